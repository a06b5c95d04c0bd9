"""`emotrain plot`: redraw a run's curves from its history files, or compare several runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from emotrain.cli.options import ModelOpt


def plot(
    run_dirs: Annotated[
        list[Path],
        typer.Argument(
            metavar="RUN_DIR",
            help="Run folder(s) written by emotrain train; two or more are overlaid to compare.",
            show_default=False,
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="DIR",
            help="Where the PNGs go. Default: RUN_DIR/plots for one run, ./plots-compared for several.",
        ),
    ] = None,
    model: ModelOpt = None,
    log: Annotated[
        bool | None,
        typer.Option(
            "--log/--linear",
            help="Loss axis scale. Default: log when the losses span more than two decades.",
        ),
    ] = None,
) -> None:
    """Draw loss and metric curves (best epoch and early stop marked) from history files."""
    from rich.console import Console

    from emotrain.plotting.runs import plot_runs

    seen: dict[Path, Path] = {}
    for run in run_dirs:  # one run twice would draw two identical curves as if two runs agreed
        key = run.expanduser().resolve()
        if key in seen:
            from emotrain.errors import ConfigError

            raise ConfigError(f"RUN_DIR: {run} is the same run as {seen[key]}; give each run once")
        seen[key] = run
    err = Console(stderr=True)
    written = plot_runs(
        run_dirs,
        output=output,
        models=model,
        log=log,
        note=lambda text: err.print(f"note: {text}", markup=False, highlight=False, soft_wrap=True),
    )
    console = Console()
    for path in written:
        console.print(f"wrote {path}", markup=False, highlight=False, soft_wrap=True)
