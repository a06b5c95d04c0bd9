"""`emotrain resume RUN_DIR`: continue every unfinished model of a run, bit for bit."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from emotrain.cli.options import LoggerOpt, MlflowUriOpt, ModelOpt, QuietOpt, ToleranceOpt


def resume(
    output_dir: Annotated[
        Path,
        typer.Argument(
            metavar="RUN_DIR",
            hidden=True,  # described in the docstring: Typer would print a Python type beside it
            help="The run folder written by `emotrain train`.",
        ),
    ],
    model: ModelOpt = None,
    epochs: Annotated[
        int | None,
        typer.Option(
            "--epochs", "-e", metavar="N", help="New planned number of epochs (extend or shorten)."
        ),
    ] = None,
    source: Annotated[
        str,
        typer.Option(
            "--from",
            metavar="KIND",
            help="latest (default) or best: which checkpoint to continue from.",
        ),
    ] = "latest",
    device: Annotated[
        str | None,
        typer.Option(
            "--device", metavar="DEVICE", help="auto, cpu, cuda or mps (default: the recorded one)."
        ),
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", metavar="N", help="Must equal the recorded seed.")
    ] = None,
    validation_split: Annotated[
        float | None,
        typer.Option("--validation-split", metavar="FLOAT", help="Must equal the recorded value."),
    ] = None,
    samples: Annotated[
        int | None, typer.Option("--samples", metavar="N", help="Must equal the recorded value.")
    ] = None,
    seq_len: Annotated[
        int | None, typer.Option("--seq-len", metavar="N", help="Must equal the recorded value.")
    ] = None,
    batch_size: Annotated[
        int | None, typer.Option("--batch-size", metavar="N", help="Must equal the recorded value.")
    ] = None,
    learning_rate: Annotated[
        float | None,
        typer.Option(
            "--learning-rate", "--lr", metavar="FLOAT", help="Must equal the recorded value."
        ),
    ] = None,
    data: Annotated[
        Path | None, typer.Option("--data", metavar="DIR", help="Must equal the recorded corpus.")
    ] = None,
    data_format: Annotated[
        str | None,
        typer.Option("--data-format", metavar="FORMAT", help="Must equal the recorded value."),
    ] = None,
    tolerance: ToleranceOpt = 1e-5,
    logger: LoggerOpt = None,
    mlflow_uri: MlflowUriOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Continue an interrupted run from its checkpoints with the configuration it recorded.

    \b
    Arguments:
      RUN_DIR  The run folder written by emotrain train.
    """
    from emotrain.cli.options import logger_options
    from emotrain.cli.run_ui import console, print_summary, raise_if_failed, with_interrupt
    from emotrain.training.progress import make_reporter
    from emotrain.training.resume import resume as run_resume

    overrides = {
        "seed": seed,
        "validation_split": validation_split,
        "samples": samples,
        "seq_len": seq_len,
        "batch_size": batch_size,
        "learning_rate": learning_rate,
        "data": str(data.expanduser().resolve()) if data is not None else None,
        "data_format": data_format,
    }
    loggers = logger_options(logger, mlflow_uri)
    reporter = make_reporter(quiet)
    outcome = with_interrupt(
        lambda stop: run_resume(
            output_dir,
            models=model,
            epochs=epochs,
            source=source.strip().lower(),
            device=device.strip().lower() if device else None,
            overrides=overrides,
            reporter=reporter,
            stop_event=stop,
            tolerance=tolerance,
            loggers=loggers,
        ),
        str(output_dir),
    )
    out = console()
    for name, why in outcome.skipped.items():
        out.print(f"{name}: {why}; nothing to resume", markup=False)
    if outcome.results:
        print_summary(outcome.results, str(output_dir))
        raise_if_failed(outcome.results)
    elif outcome.skipped:
        out.print(
            f"The run in {output_dir} is already finished; nothing was changed.", markup=False
        )
