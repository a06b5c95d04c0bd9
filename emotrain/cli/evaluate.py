"""`emotrain evaluate`: judge each model's best checkpoint beside a trivial baseline.

With `--json` the report goes to stdout and nothing else does (progress and notes go to stderr), so
`emotrain evaluate ... --json | jq` works; otherwise one rich table per model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from emotrain.cli.options import (
    DataFormatOpt,
    JsonOpt,
    JudgeCacheDirOpt,
    JudgeDataOpt,
    JudgeDeviceOpt,
    ModelOpt,
)
from emotrain.errors import EmotrainError
from emotrain.evaluation.verdicts import (
    DEFAULT_BOOTSTRAP_SEED,
    DEFAULT_RESAMPLES,
)


def _number(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) >= 1e-3 or value == 0 else f"{value:.2e}"
    return str(value)


_VERDICT_STYLE = {
    "better": "[green]better[/green]",
    "worse": "[red]worse[/red]",
    "not distinguishable": "[yellow]not distinguishable[/yellow]",
}


def _verdict(comparison: dict[str, Any] | None) -> str:
    if not comparison or comparison.get("diff") is None:
        return "[dim]-[/dim]"
    return _VERDICT_STYLE.get(comparison["verdict"], comparison["verdict"])


def _interval(comparison: dict[str, Any] | None) -> str:
    low, high = (comparison or {}).get("ci", [None, None])
    if low is None or high is None:
        return "n/a"
    return _plain(f"[{_number(low)}, {_number(high)}]")  # brackets must not read as markup


def _plain(text: Any) -> str:
    """User-derived text (paths, notes) with rich markup escaped: a folder named `run[/b]` or
    `[best]` must print as itself, not close a tag (MarkupError) or vanish as a style."""
    from rich.markup import escape

    return escape(str(text))


def _items(entry: dict[str, Any]) -> str:
    if entry.get("modes"):
        return f"{entry.get('bootstrap', {}).get('unit', 'songs')} streamed whole"
    return "sequences"


def model_heading(name: str, entry: dict[str, Any]) -> str:
    epoch = entry.get("epoch")
    return (
        f"[bold]{_plain(name)}[/bold]: {_plain(entry['checkpoint_kind'])} checkpoint"
        + (f" (epoch {epoch})" if epoch is not None else "")
        + f", {entry['n_items']:,} {_items(entry)} / {entry['n_frames']:,} frames, "
        f"{entry['parameters']:,} parameters, {entry['macs_per_frame']:,} multiply-adds per frame"
    )


#: Below this console width the table drops its verdict column and shows each verdict on a second
#: line under its figure: names, numbers, intervals and verdicts stay whole at 80 columns.
WIDE_TABLE = 100


def _label(metric: str, entry: dict[str, Any], headline: str) -> str:
    label = metric
    if metric == entry.get("loss"):
        label += " (loss)"
    if metric == headline:
        label = f"[bold]{label} (headline)[/bold]"
    return label


def _raw_interval(comparison: dict[str, Any] | None) -> str:
    low, high = (comparison or {}).get("ci", [None, None])
    return "n/a" if low is None or high is None else f"[{_number(low)}, {_number(high)}]"


def model_table(entry: dict[str, Any], width: int = 120) -> Any:
    """One model's figures beside its baseline's: the difference, its interval, the verdict.
    Narrower than WIDE_TABLE each verdict goes under its figure; narrower still the model's and
    the baseline's figures move to a second table (cli/tables.py), said in a note."""
    from rich import box
    from rich.text import Text

    from emotrain.cli.tables import Col, fitted_table

    wide = width >= WIDE_TABLE
    cols = [
        Col("metric" if wide else "metric / verdict", key=True),
        Col("model", drop=2, justify="right"),
        Col("baseline", drop=1, justify="right"),
        Col("difference", key=True, justify="right"),
        Col("95% interval", key=True, justify="right"),
    ]
    if wide:
        cols.append(Col("verdict", key=True, justify="center"))
    headline = entry["headline"]["metric"]
    comparisons = entry.get("comparison", {})
    rows = []
    for metric, value in entry["metrics"].items():
        comp = comparisons.get(metric)
        label = _label(metric, entry, headline)
        cells = [_number(value), _number(entry["baseline"].get(metric)),
                 _number((comp or {}).get("diff")), _raw_interval(comp)]  # fmt: skip
        if wide:
            rows.append((Text.from_markup(label), *cells, Text.from_markup(_verdict(comp))))
        else:
            rows.append((Text.from_markup(f"{label}\n  {_verdict(comp)}"), *cells))
    options = {} if wide else {"box": box.SIMPLE_HEAD, "show_edge": False, "pad_edge": False}
    return fitted_table(cols, rows, width, **options)


_MODE_NAMES = {"streamed": "streamed", "live_set": "live set", "windowed": "windowed"}


def modes_table(entry: dict[str, Any], width: int = 120) -> Any:
    """The headline figure as the plugin streams songs, as a live set, and on training windows."""
    from rich.text import Text

    from emotrain.cli.tables import Col, fitted_table

    metric = entry["headline"]["metric"]
    cols = (
        Col("fed as", key=True),
        Col("model", drop=2, justify="right"),
        Col("baseline", drop=1, justify="right"),
        Col("95% interval", key=True, justify="right"),
        Col("verdict", key=True, justify="center"),
    )
    rows = []
    caption: dict[str, str] = {}
    for mode, block in entry["modes"].items():
        h = block["headline"]
        name = _MODE_NAMES.get(mode, mode)
        if h.get("metric", metric) != metric:  # harmony's windows are judged by another figure
            name = f"{name}*"
            caption = {"caption": f"* by {h['metric']}, not {metric}", "caption_justify": "left"}
        if mode == entry.get("headline_mode"):
            name = f"[bold]{name}[/bold]"
        rows.append((Text.from_markup(name), _number(h["model"]), _number(h["baseline"]),
                     _raw_interval(h), Text.from_markup(_verdict(h))))  # fmt: skip
    return fitted_table(cols, rows, width, title=f"{_plain(metric)} by how the songs are fed",
                        title_justify="left", **caption)  # fmt: skip


def dimension_table(dims: dict[str, Any]) -> Any:
    """MAE of each named output dimension beside the baseline's (dynamics, groove)."""
    from rich import box
    from rich.table import Table

    names, model, base = dims["names"], dims["model_mae"], dims["baseline_mae"]
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False,
                  title="mae per dimension", title_justify="left")  # fmt: skip
    half = len(names) // 2
    if names[0].startswith("onset_") and names[half].startswith("timing_"):
        table.add_column("position", no_wrap=True)
        for column in ("onset", "baseline", "timing", "baseline"):
            table.add_column(column, justify="right", no_wrap=True)
        for p in range(half):
            cells = (model[p], base[p], model[half + p], base[half + p])
            table.add_row(str(p + 1), *(_number(c) for c in cells))
        return table
    table.add_column("dimension", no_wrap=True)
    table.add_column("model", justify="right", no_wrap=True)
    table.add_column("baseline", justify="right", no_wrap=True)
    for name, m, b in zip(names, model, base, strict=True):
        table.add_row(name, _number(m), _number(b))
    return table


def response_lines(modes: dict[str, Any]) -> list[str]:
    """How fast the recognizer follows a change of label (evaluation/response.py), 80 columns."""
    out = []
    for mode in ("streamed", "live_set"):
        r = modes.get(mode, {}).get("response")
        if not r or not (r["valence_changes"] or r["arousal_changes"]):
            continue
        cells = []
        for dim in ("valence", "arousal"):
            median = r[f"{dim}_median_s"]
            shown = "never" if median is None else f"{median:.2f} s"
            cells.append(f"{dim} {shown:>8} {r[f'{dim}_changes']:>4} {r[f'{dim}_not_crossed']:>4}")
        out.append(f"    {_MODE_NAMES[mode]:<9} " + "   ".join(cells))
    if out:
        out.insert(0, "  median time to half-way after a label change (s, changes, never reached):")
    return out


def ratio_lines(modes: dict[str, Any]) -> list[str]:
    """The melody's best-note confidence inside the live set against from a reset
    (evaluation/live_ratio.py): min and median over the clips; per clip in the JSON."""
    r = modes.get("live_set", {}).get("live_ratio")
    if not r or r.get("min") is None:
        return []
    return [
        f"  best-note probability in the live set / from a reset, {r['n_clips']} clips:",
        f"    min {r['min']:.3f} ({_plain(r['worst_clip'])}), median {r['median']:.3f}",
    ]


def verdict_line(entry: dict[str, Any]) -> str:
    """The answer a user came for: better than predicting the mean, on the headline and the loss?"""
    h, loss = entry["headline"], entry.get("loss", "")
    boot = entry.get("bootstrap", {})
    mode = f" ({_MODE_NAMES[entry['headline_mode']]})" if entry.get("modes") else ""
    figures = (
        f"{h['metric']}{mode} {_number(h['model'])} vs baseline {_number(h['baseline'])}, difference "
        f"{_number(h.get('diff'))}, 95% interval {_interval(h)} over {h.get('n_groups')} "
        f"{boot.get('unit', 'groups')}"
    )
    if h["beats_baseline"] is None:
        return f"[yellow]cannot compare with the baseline[/yellow] ({figures})"
    if h["verdict"] == "worse":
        return f"[bold red]worse than the baseline[/bold red] ({figures})"
    if h["verdict"] != "better":
        return f"[bold yellow]not distinguishable from the baseline[/bold yellow] ({figures})"
    if h.get("loss_beats_baseline") is False:
        return (
            f"[bold yellow]better than the baseline on {h['metric']} but not on its loss "
            f"{loss}[/bold yellow] ({figures}; loss {h.get('loss_verdict')})"
        )
    return f"[bold green]better than the baseline[/bold green] ({figures})"


def not_better(report: dict[str, Any]) -> list[str]:
    """`name (verdict)` for every model whose headline verdict is not 'better'."""
    return [
        f"{name} ({entry['headline']['verdict']})"
        for name, entry in report["models"].items()
        if entry["headline"]["verdict"] != "better"
    ]


def print_report(report: dict[str, Any], console: Any) -> None:
    for name, entry in report["models"].items():
        console.print(model_heading(name, entry), highlight=False, soft_wrap=True)
        console.print(f"  data: {_plain(entry['data'])}", highlight=False, soft_wrap=True)
        console.print(
            f"  baseline: {_plain(entry['baseline_method'])}", highlight=False, soft_wrap=True
        )
        for mode, block in entry.get("modes", {}).items():
            console.print(
                f"  {_MODE_NAMES.get(mode, mode)}: {_plain(block.get('how', ''))}",
                highlight=False,
                soft_wrap=True,
            )
        console.print(model_table(entry, console.width))
        if entry.get("modes"):
            console.print(modes_table(entry, console.width))
            for line in response_lines(entry["modes"]) + ratio_lines(entry["modes"]):
                console.print(line, highlight=False, soft_wrap=True)
        if entry.get("per_dimension"):
            console.print(dimension_table(entry["per_dimension"]))
        console.print(f"  {verdict_line(entry)}", highlight=False, soft_wrap=True)
        for note in entry["notes"]:
            console.print(
                f"  [yellow]note:[/yellow] {_plain(note)}", highlight=False, soft_wrap=True
            )
        console.print()


def evaluate(
    checkpoint_dir: Annotated[
        Path,
        typer.Option(
            "--checkpoint-dir",
            metavar="DIR",
            help="A run folder or its checkpoints/ folder (old scripts' checkpoint folders too), "
            "or one exported JSON file or registry version NAME@N ($EMOTRAIN_REGISTRY), run by "
            "the reference interpreter.",
        ),
    ],
    output: Annotated[
        Path,
        typer.Option("--output", "-o", metavar="DIR", help="Folder for evaluation_results.json."),
    ] = Path("evaluation"),
    model: ModelOpt = None,
    data: JudgeDataOpt = None,
    data_format: DataFormatOpt = "auto",
    cache_dir: JudgeCacheDirOpt = None,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed",
            metavar="N",
            help="Seed of the synthetic data for old checkpoints or --data-format synthetic "
            "(a run's own data always uses the run's seed). Default: 42.",
        ),
    ] = None,
    device: JudgeDeviceOpt = "auto",
    batch_size: Annotated[
        int, typer.Option("--batch-size", "-b", metavar="N", help="Sequences per forward pass.")
    ] = 256,
    json_out: JsonOpt = False,
    resamples: Annotated[
        int,
        typer.Option(
            "--resamples",
            metavar="N",
            help="Bootstrap resamples of the songs (items for synthetic data) behind each interval.",
        ),
    ] = DEFAULT_RESAMPLES,
    bootstrap_seed: Annotated[
        int,
        typer.Option("--bootstrap-seed", metavar="N", help="Seed of the bootstrap's resampling."),
    ] = DEFAULT_BOOTSTRAP_SEED,
    require_better: Annotated[
        bool,
        typer.Option(
            "--require-better",
            help="Exit 1 unless every evaluated model's verdict is 'better' (for CI gates).",
        ),
    ] = False,
    allow_untrained: Annotated[
        bool,
        typer.Option(
            "--allow-untrained",
            help="Evaluate a checkpoint that never finished an epoch (random initial weights).",
        ),
    ] = False,
) -> None:
    """Evaluate each model's best checkpoint on its run's validation split, beside a baseline."""
    import json

    from rich.console import Console

    from emotrain.evaluation.report import REPORT_FILE
    from emotrain.evaluation.report import evaluate as run_evaluation

    err = Console(stderr=True)
    report = run_evaluation(
        checkpoint_dir,
        output=output,
        models=model,
        data=data,
        data_format=data_format,
        cache_dir=cache_dir,
        seed=seed,
        device=device,
        batch_size=batch_size,
        progress=lambda msg: err.print(
            f"[dim]{_plain(msg)}[/dim]", highlight=False, soft_wrap=True
        ),
        resamples=resamples,
        bootstrap_seed=bootstrap_seed,
        allow_untrained=allow_untrained,
    )
    written = Path(output) / REPORT_FILE
    if json_out:
        typer.echo(json.dumps(report, indent=2, allow_nan=False))
    else:
        print_report(report, Console())
    # On stderr whatever the mode, as `compare` says where its report went.
    err.print(f"report written to {written}", markup=False, highlight=False, soft_wrap=True)
    if report.get("failed"):
        from emotrain.errors import CheckpointError

        good = ", ".join(report["models"])
        raise CheckpointError(
            f"not evaluated: {'; '.join(report['failed'].values())} (the report holds {good})"
        )
    failing = not_better(report)
    if require_better and failing:
        raise EmotrainError("--require-better: not better than the baseline: " + ", ".join(failing))
