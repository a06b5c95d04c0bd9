"""`emotrain compare A B`: parse, call emotrain.evaluation.comparison, print.

With `--json` the report goes to stdout and nothing else does, as with `evaluate --json`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from emotrain.cli.options import (
    DataFormatOpt,
    JsonOpt,
    JudgeCacheDirOpt,
    JudgeDeviceOpt,
    judge_data,
)


def _side(metavar: str, help: str) -> Any:
    return typer.Argument(metavar=metavar, help=help, show_default=False)


SideA = Annotated[
    str,
    _side(
        "A",
        "The reference: a checkpoint (.pt), an exported JSON file, or a registry version "
        "NAME@N / NAME@ALIAS.",
    ),
]
SideB = Annotated[str, _side("B", "The candidate, of the same network and in the same forms.")]
_STYLE = {"better": "green", "worse": "red", "equivalent": "blue", "inconclusive": "yellow"}


def _number(value: Any) -> str:
    if value is None:
        return "n/a"
    return f"{value:.4f}" if abs(value) >= 1e-3 or value == 0 else f"{value:.2e}"


def _p(value: Any) -> str:
    return "n/a" if value is None else (f"{value:.3f}" if value >= 1e-3 else "<0.001")


def report_table(report: dict[str, Any], width: int = 120) -> Any:
    """The comparison, fitted to `width`: figure names, B - A, the interval and the verdict stay
    in the first table; when the terminal is narrow the margin, then A and B, then p move to a
    second table (cli/tables.py), said in a note."""
    from emotrain.cli.tables import Col, fitted_table

    confidence = round(report["bootstrap"]["confidence"] * 100)
    cols = (
        Col("figure", key=True),
        Col("A", drop=2, justify="right"),
        Col("B", drop=3, justify="right"),
        Col("B - A", key=True, justify="right"),
        Col(f"{confidence}% interval", key=True, justify="right"),
        Col("margin", drop=1, justify="right"),
        Col("p (Holm)", drop=4, justify="right"),
        Col("verdict", key=True, justify="center"),
    )
    from rich.text import Text

    rows = []
    for row in report["figures"]:
        if row.get("ci_low") is None or row.get("ci_high") is None:
            rows.append((row["figure"], _number(row["a"]), _number(row["b"]), "", "", "", "",
                         Text(row["verdict"], style="dim")))  # fmt: skip
            continue
        rows.append(
            (
                f"{row['figure']} {'↑' if row['higher_is_better'] else '↓'}",
                _number(row["a"]),
                _number(row["b"]),
                f"{row['diff']:+.2g}",
                f"[{row['ci_low']:+.2g}, {row['ci_high']:+.2g}]",
                f"±{row['margin']:g}",
                _p(row.get("p_holm")),
                Text(row["verdict"], style=_STYLE.get(row["verdict"], "white")),
            )
        )
    return fitted_table(cols, rows, width, caption="B - A for every figure; arrows: which way "
                        "is better")  # fmt: skip


def compare(
    a: SideA,
    b: SideB,
    data: Annotated[
        Path | None, judge_data("the validation split of the run A and B were trained in")
    ] = None,
    data_format: DataFormatOpt = "auto",
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed",
            metavar="N",
            help="Seed of the synthetic data when no run fixes the data (as in evaluate). "
            "Default: 42.",
        ),
    ] = None,
    cache_dir: JudgeCacheDirOpt = None,
    registry: Annotated[
        Path | None,
        typer.Option(
            "--registry",
            metavar="DIR",
            envvar="EMOTRAIN_REGISTRY",
            help="Registry folder for NAME@N sides. Default: ./emotrain-registry.",
        ),
    ] = None,
    margin: Annotated[
        list[str] | None,
        typer.Option(
            "--margin",
            metavar="VALUE",
            help="Equivalence margin: VALUE for every figure or FIGURE=VALUE for one "
            "(repeatable). Defaults per figure: see docs/compare.md.",
        ),
    ] = None,
    resamples: Annotated[
        int,
        typer.Option(
            "--resamples", metavar="N", help="Bootstrap resamples over songs (at least 2000)."
        ),
    ] = 2000,
    bootstrap_seed: Annotated[
        int, typer.Option("--bootstrap-seed", metavar="N", help="Seed of the bootstrap resampling.")
    ] = 0,
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            metavar="DIR",
            help="Folder for comparison.json and the interval plot.",
        ),
    ] = Path("comparison"),
    require_better: Annotated[
        bool,
        typer.Option("--require-better", help="Exit 1 unless B is better than A (for CI)."),
    ] = False,
    device: JudgeDeviceOpt = "auto",
    batch_size: Annotated[
        int,
        typer.Option(
            "--batch-size", "-b", metavar="N", help="Sequences per forward pass (checkpoints)."
        ),
    ] = 256,
    json_out: JsonOpt = False,
) -> None:
    """Compare B against A on the same songs: paired bootstrap, McNemar, Holm; a verdict each."""
    import json

    from rich.console import Console
    from rich.markup import escape

    from emotrain.errors import ConfigError, DataError
    from emotrain.evaluation.comparison import COMPARISON_FILE
    from emotrain.evaluation.comparison import compare as run_compare
    from emotrain.training.device import resolve_device

    if batch_size < 1:
        raise ConfigError(f"--batch-size: must be an integer >= 1, got {batch_size}")
    report = run_compare(
        a, b, data=data, data_format=data_format, seed=seed, cache_dir=cache_dir,
        registry=registry, output=output, margins=margin, n_resamples=resamples,
        bootstrap_seed=bootstrap_seed, device=resolve_device(device), batch_size=batch_size,
    )  # fmt: skip
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    if json_out:
        typer.echo(json.dumps(report, indent=2, allow_nan=False))
    else:
        from emotrain.cli.tables import out_console

        out = out_console(highlight=False, soft_wrap=True)  # a pipe: COLUMNS, else wide
        out.print(f"[bold]{report['model']}[/bold]: A = {escape(report['a']['given'])}, "
                  f"B = {escape(report['b']['given'])}")  # fmt: skip
        boot = report["bootstrap"]
        out.print(f"  data: {escape(report['data'])}")
        modes = report.get("modes", {})
        if "streamed" in modes:
            out.print(f"  streamed: {escape(modes['streamed']['how'])}")
        out.print(f"  paired bootstrap over {boot['n_songs']} {boot.get('unit', 'song')}s, "
                  f"{boot['n_resamples']} "
                  f"resamples (seed {boot['seed']}); Holm across figures")  # fmt: skip
        out.print(report_table(report, out.width))
        style = _STYLE.get(report["verdict"], "white")
        out.print(f"  B is [bold {style}]{report['verdict']}[/bold {style}] than A"
                  if report["verdict"] in ("better", "worse")
                  else f"  B vs A: [bold {style}]{report['verdict']}[/bold {style}]")  # fmt: skip
        out.print(f"  ({escape(report['summary'])})")
        if "live_set" in modes:
            live = modes["live_set"]
            out.print(f"  live set ({escape(live['how'])}): B vs A {live['verdict']}")
        deciding = report.get("decided_by") or []
        if len(deciding) < len(report["figures"]):
            out.print(f"  the overall verdict is decided by {', '.join(deciding)} alone "
                      "(docs/compare.md)")  # fmt: skip
        for note in report["notes"]:
            out.print(f"  [yellow]note:[/yellow] {escape(note)}")
    err.print(f"comparison written to {Path(output) / COMPARISON_FILE}", markup=False)
    if require_better and report["verdict"] != "better":
        raise DataError(f"--require-better: B is {report['verdict']} compared with A, not better")
