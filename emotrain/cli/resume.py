"""`emotrain resume RUN_DIR`: continue every unfinished model of a run, bit for bit."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from emotrain.cli.options import (
    DEVICE_CHOICES,
    ModelOpt,
    QuietOpt,
    ResumeLoggerOpt,
    ResumeMlflowUriOpt,
    ToleranceOpt,
    recorded,
    run_option,
)
from emotrain.tolerance import DEFAULT_TOLERANCE


def resume(
    output_dir: Annotated[
        Path,
        typer.Argument(
            metavar="RUN_DIR", help="The run folder written by emotrain train.", show_default=False
        ),
    ],
    model: ModelOpt = None,
    epochs: Annotated[
        int | None,
        run_option(
            "epochs", help="New planned number of epochs (extend or shorten).", show_default=False
        ),
    ] = None,
    source: Annotated[
        str,
        typer.Option(
            "--from",
            metavar="KIND",
            help="Which checkpoint to continue from: latest or best.",
        ),
    ] = "latest",
    device: Annotated[
        str | None,
        run_option(
            "device",
            help=f"{DEVICE_CHOICES}. Default: the recorded one.",
            show_default=False,
        ),
    ] = None,
    seed: Annotated[
        int | None, run_option("seed", help="Must equal the recorded seed.", show_default=False)
    ] = None,
    validation_split: Annotated[float | None, recorded("validation_split")] = None,
    samples: Annotated[int | None, recorded("samples")] = None,
    seq_len: Annotated[int | None, recorded("seq_len")] = None,
    batch_size: Annotated[int | None, recorded("batch_size")] = None,
    learning_rate: Annotated[float | None, recorded("learning_rate")] = None,
    data: Annotated[
        Path | None,
        run_option("data", help="Must equal the recorded corpus.", show_default=False),
    ] = None,
    data_format: Annotated[str | None, recorded("data_format")] = None,
    tolerance: ToleranceOpt = DEFAULT_TOLERANCE,
    logger: ResumeLoggerOpt = None,
    mlflow_uri: ResumeMlflowUriOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Continue an interrupted run from its checkpoints with the configuration it recorded."""
    from emotrain.cli.options import logger_options
    from emotrain.cli.run_ui import (
        console,
        print_summary,
        raise_if_failed,
        recorded_synthetic,
        with_interrupt,
    )
    from emotrain.pipeline import resume as run_resume
    from emotrain.training.progress import make_reporter

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

    def finish(outcome) -> None:
        out = console()
        for name, why in outcome.skipped.items():
            out.print(f"{name}: {why}; nothing to resume", markup=False)
        if outcome.results:
            print_summary(
                outcome.results, str(output_dir), synthetic=recorded_synthetic(output_dir)
            )
            raise_if_failed(outcome.results)
        elif outcome.skipped:
            out.print(
                f"The run in {output_dir} is already finished; nothing was changed.", markup=False
            )

    with_interrupt(
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
        finish,
    )
