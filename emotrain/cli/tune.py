"""`emotrain tune`: parse options, run the study, show its trials live and a summary."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from emotrain.cli.options import (
    CacheDirOpt,
    DataFormatOpt,
    DataOpt,
    DeviceOpt,
    JsonOpt,
    LoggerOpt,
    MlflowUriOpt,
    OneModelOpt,
    QuietOpt,
    SamplesOpt,
    default,
    given,
    run_option,
    validation_songs_option,
)


def tune(
    ctx: typer.Context,
    model: OneModelOpt,
    trials: Annotated[
        int,
        typer.Option(
            "--trials", "-n", metavar="N", help="Finished-or-pruned trials the study should have."
        ),
    ] = 20,
    output: Annotated[
        Path,
        typer.Option(
            "--output", "-o", metavar="DIR", help="Study folder (trials/, study.json, ...)."
        ),
    ] = Path("tune_study"),
    space: Annotated[
        Path | None,
        typer.Option(
            "--space", metavar="FILE", help="TOML file overriding the default space (docs/tune.md)."
        ),
    ] = None,
    storage: Annotated[
        str | None,
        typer.Option(
            "--storage",
            metavar="URL",
            help="sqlite:///file.db, postgresql+psycopg://user@host/db or another SQLAlchemy "
            "URL. Default: a journal file in --output.",
        ),
    ] = None,
    study_name: Annotated[
        str | None,
        typer.Option(
            "--study-name",
            metavar="NAME",
            help="Name in the storage. Default: derived from --output.",
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", "-w", metavar="N", help="Trial processes on this machine.")
    ] = 1,
    pruner: Annotated[
        str,
        typer.Option(
            "--pruner",
            metavar="NAME",
            help="halving, median, hyperband or none (per-epoch pruning).",
        ),
    ] = "halving",
    metric: Annotated[
        str,
        typer.Option(
            "--metric",
            metavar="NAME",
            help="Objective: val_loss or a validation metric (val_mae, ...).",
        ),
    ] = "val_loss",
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout", metavar="FLOAT", help="Start no new trial after this many seconds."
        ),
    ] = None,
    config_file: Annotated[
        Path | None,
        run_option("config", help="Base training configuration (TOML, as for train)."),
    ] = None,
    epochs: Annotated[int, run_option("epochs", help="Epochs per trial.")] = default("epochs"),
    seed: Annotated[int, run_option("seed", help="Seeds the sampler and every trial's run.")] = (
        default("seed")
    ),
    samples: SamplesOpt = default("samples"),
    validation_songs: Annotated[
        str | None,
        validation_songs_option("replaces the validation split of --config (default 0.2)"),
    ] = None,
    seq_len: Annotated[
        int, run_option("seq_len", help="Frames per sequence, when the space does not search it.")
    ] = default("seq_len"),
    batch_size: Annotated[
        int,
        run_option("batch_size", help="Sequences per batch, when the space does not search it."),
    ] = default("batch_size"),
    device: DeviceOpt = default("device"),
    data: DataOpt = None,
    data_format: DataFormatOpt = default("data_format"),
    cache_dir: CacheDirOpt = None,
    emotion_model: Annotated[str | None, run_option("emotion_model")] = None,
    logger: LoggerOpt = None,
    mlflow_uri: MlflowUriOpt = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Search the training recipe of one network with Optuna; every trial is an ordinary run."""
    from emotrain.cli.options import logger_options
    from emotrain.cli.run_ui import console
    from emotrain.cli.train import resolve_train_config
    from emotrain.cli.tune_ui import TrialTable, interruptible, params_text
    from emotrain.tuning.tracking import with_trackers
    from emotrain.tuning.tune import build_spec
    from emotrain.tuning.tune import tune as run_tune

    loggers = logger_options(logger, mlflow_uri)

    options: dict[str, Any] = dict.fromkeys(
        ("learning_rate", "validation_split", "min_delta", "early_stopping_patience",
         "weight_decay", "grad_clip_norm", "lr_factor", "lr_patience", "output",
         "rebuild_cache", "strict"),
    )  # fmt: skip
    options.update(given(ctx, epochs=epochs, seed=seed, samples=samples, seq_len=seq_len,
                         batch_size=batch_size, device=device, data=data,
                         data_format=data_format, cache_dir=cache_dir,
                         validation_songs=validation_songs,
                         emotion_model=emotion_model))  # fmt: skip
    base = resolve_train_config(options, model=model, config_file=config_file)
    spec = build_spec(
        model=model, base=base, trials=trials, output=output, space_file=space, storage=storage,
        study_name=study_name, workers=workers, pruner=pruner.strip().lower(), timeout=timeout,
        metric=metric.strip(),
    )  # fmt: skip
    spec = with_trackers(spec, loggers)
    table = TrialTable(spec, live=sys.stdout.isatty() and not as_json and not quiet,
                       plain=not as_json and not quiet)  # fmt: skip
    try:
        summary = interruptible(
            lambda stop: run_tune(spec, stop_event=stop, on_update=table.update)
        )
    finally:
        table.close()
    if as_json:
        sys.stdout.write(json.dumps(summary, indent=2, allow_nan=False) + "\n")
        return
    out = console()
    best = summary["best"]
    counts = summary["counts"]
    out.print(
        f"study {spec.study_name}: {counts['complete']} complete, {counts['pruned']} pruned, "
        f"{counts['fail']} failed",
        markup=False,
    )
    if best is not None:
        out.print(f"best: trial {best['number']} {spec.metric} {best['value']:.4g}; "
                  f"{params_text(best['params'])}", markup=False)  # fmt: skip
    out.print(f"Files in {spec.dir}: trials/, trials.csv, study.json, best_config.toml, best/, plots/",
              markup=False)  # fmt: skip
