"""`emotrain evaluate`: judge each model's best checkpoint beside a trivial baseline.

With `--json` the report goes to stdout and nothing else does (progress and notes go to stderr), so
`emotrain evaluate ... --json | jq` works; otherwise one rich table per model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from emotrain.cli.options import (
    CacheDirOpt,
    DataFormatOpt,
    DataOpt,
    DeviceOpt,
    JsonOpt,
    ModelOpt,
)


def _number(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) >= 1e-3 or value == 0 else f"{value:.2e}"
    return str(value)


def _verdict(metric: str, model: Any, baseline: Any) -> str:
    from emotrain.evaluation.metrics import is_better

    better = is_better(metric, model, baseline)
    if better is None:
        return "[dim]-[/dim]"
    if model == baseline:
        return "same"
    return "[green]yes[/green]" if better else "[red]no[/red]"


def _plain(text: Any) -> str:
    """User-derived text (paths, notes) with rich markup escaped: a folder named `run[/b]` or
    `[best]` must print as itself, not close a tag (MarkupError) or vanish as a style."""
    from rich.markup import escape

    return escape(str(text))


def model_heading(name: str, entry: dict[str, Any]) -> str:
    epoch = entry.get("epoch")
    return (
        f"[bold]{_plain(name)}[/bold]: {_plain(entry['checkpoint_kind'])} checkpoint"
        + (f" (epoch {epoch})" if epoch is not None else "")
        + f", {entry['n_items']:,} sequences / {entry['n_frames']:,} frames, "
        f"{entry['parameters']:,} parameters, {entry['macs_per_frame']:,} multiply-adds per frame"
    )


def model_table(entry: dict[str, Any]) -> Any:
    """One model's figures beside its baseline's, with a yes/no per metric."""
    from rich.table import Table

    table = Table()
    table.add_column("metric")
    table.add_column("model", justify="right")
    table.add_column("baseline", justify="right")
    table.add_column("better?", justify="center")
    headline = entry["headline"]["metric"]
    for metric, value in entry["metrics"].items():
        base = entry["baseline"].get(metric)
        label = metric
        if metric == entry.get("loss"):
            label += " (loss)"
        if metric == headline:
            label = f"[bold]{label} (headline)[/bold]"
        table.add_row(label, _number(value), _number(base), _verdict(metric, value, base))
    return table


def verdict_line(entry: dict[str, Any]) -> str:
    """The answer a user came for: better than predicting the mean, on the headline and loss?"""
    h, loss = entry["headline"], entry.get("loss", "")
    figures = f"{h['metric']} {_number(h['model'])} vs baseline {_number(h['baseline'])}"
    loss_figures = (
        f"{loss} {_number(entry['metrics'].get(loss))} vs baseline "
        f"{_number(entry['baseline'].get(loss))}"
    )
    if h["beats_baseline"] is None:
        return f"[yellow]cannot compare with the baseline[/yellow] ({figures})"
    if not h["beats_baseline"]:
        return f"[bold red]does NOT beat the baseline[/bold red] ({figures})"
    if h.get("loss_beats_baseline") is False:
        return (
            f"[bold yellow]beats the baseline on {h['metric']} but not on its loss[/bold yellow] "
            f"({figures}; {loss_figures})"
        )
    return f"[bold green]beats the baseline[/bold green] ({figures}; {loss_figures})"


def print_report(report: dict[str, Any], console: Any) -> None:
    for name, entry in report["models"].items():
        console.print(model_heading(name, entry), highlight=False, soft_wrap=True)
        console.print(f"  data: {_plain(entry['data'])}", highlight=False, soft_wrap=True)
        console.print(
            f"  baseline: {_plain(entry['baseline_method'])}", highlight=False, soft_wrap=True
        )
        console.print(model_table(entry))
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
            "-c",
            metavar="DIR",
            help="A run folder or its checkpoints/ folder (old scripts' checkpoint folders too).",
        ),
    ],
    output: Annotated[
        Path,
        typer.Option("--output", "-o", metavar="DIR", help="Folder for evaluation_results.json."),
    ] = Path("evaluation"),
    model: ModelOpt = None,
    data: DataOpt = None,
    data_format: DataFormatOpt = "auto",
    cache_dir: CacheDirOpt = None,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed",
            metavar="N",
            help="Seed of the synthetic data for old checkpoints or --data-format synthetic "
            "(a run's own data always uses the run's seed).",
            show_default="42",
        ),
    ] = None,
    device: DeviceOpt = "auto",
    batch_size: Annotated[
        int, typer.Option("--batch-size", "-b", metavar="N", help="Sequences per forward pass.")
    ] = 256,
    json_out: JsonOpt = False,
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
    )
    written = Path(output) / REPORT_FILE
    if json_out:
        typer.echo(json.dumps(report, indent=2, allow_nan=False))
        err.print(f"report written to {written}", markup=False, highlight=False, soft_wrap=True)
        return
    out = Console()
    print_report(report, out)
    out.print(f"report written to {written}", markup=False, highlight=False, soft_wrap=True)
