"""`emotrain train`: parse options, call the library, print progress and a summary."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from emotrain.cli.options import (
    CacheDirOpt,
    DataOpt,
    LoggerOpt,
    MlflowUriOpt,
    ModelOpt,
    QuietOpt,
    SamplesOpt,
    ToleranceOpt,
)
from emotrain.config import DataConfig, RunConfig, TrainingConfig

_T = TrainingConfig()
_D = DataConfig()


def train(
    model: ModelOpt = None,
    config_file: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            metavar="FILE",
            help="TOML file of options (see docs/train.md); options given here win over it.",
        ),
    ] = None,
    epochs: Annotated[
        int | None,
        typer.Option(
            "--epochs",
            "-e",
            metavar="N",
            help="Maximum epochs per model.",
            show_default=str(_T.epochs),
        ),
    ] = None,
    batch_size: Annotated[
        int | None,
        typer.Option(
            "--batch-size",
            "-b",
            metavar="N",
            help="Sequences per batch.",
            show_default=str(_T.batch_size),
        ),
    ] = None,
    learning_rate: Annotated[
        float | None,
        typer.Option(
            "--learning-rate",
            "--lr",
            metavar="FLOAT",
            help="Adam learning rate.",
            show_default=str(_T.learning_rate),
        ),
    ] = None,
    validation_split: Annotated[
        float | None,
        typer.Option(
            "--validation-split",
            metavar="FLOAT",
            help="Fraction of songs/sequences held out, in (0, 1).",
            show_default=str(_D.validation_split),
        ),
    ] = None,
    early_stopping_patience: Annotated[
        int | None,
        typer.Option(
            "--early-stopping-patience",
            metavar="N",
            help="Epochs without improvement before stopping.",
            show_default=str(_T.early_stopping_patience),
        ),
    ] = None,
    min_delta: Annotated[
        float | None,
        typer.Option(
            "--min-delta",
            metavar="FLOAT",
            help="Smallest val-loss decrease that counts as improvement.",
            show_default=str(_T.min_delta),
        ),
    ] = None,
    weight_decay: Annotated[
        float | None,
        typer.Option(
            "--weight-decay",
            metavar="FLOAT",
            help="Adam's L2 weight decay.",
            show_default=str(_T.weight_decay),
        ),
    ] = None,
    grad_clip_norm: Annotated[
        float | None,
        typer.Option(
            "--grad-clip-norm",
            metavar="FLOAT",
            help="Largest gradient norm per step (larger ones are scaled down).",
            show_default=str(_T.grad_clip_norm),
        ),
    ] = None,
    lr_factor: Annotated[
        float | None,
        typer.Option(
            "--lr-factor",
            metavar="FLOAT",
            help="Factor the learning rate is multiplied by when validation stalls.",
            show_default=str(_T.lr_factor),
        ),
    ] = None,
    lr_patience: Annotated[
        int | None,
        typer.Option(
            "--lr-patience",
            metavar="N",
            help="Stalled epochs before the rate is cut.",
            show_default="a third of --early-stopping-patience",
        ),
    ] = None,
    seq_len: Annotated[
        int | None,
        typer.Option(
            "--seq-len",
            metavar="N",
            help="Frames per training sequence (LSTMs run from a zero state).",
            show_default=str(_D.seq_len),
        ),
    ] = None,
    samples: SamplesOpt = None,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed",
            metavar="N",
            help="Seed for data, split, initialisation and order.",
            show_default=str(_T.seed),
        ),
    ] = None,
    device: Annotated[
        str | None,
        typer.Option(
            "--device",
            metavar="DEVICE",
            help="auto, cpu, cuda or mps; asking for an absent one is an error.",
            show_default=_T.device,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="DIR",
            help="Run folder to write into.",
            show_default="trained_models",
        ),
    ] = None,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite", help="Replace an existing run of the same model(s) in --output."
        ),
    ] = False,
    data: DataOpt = None,
    data_format: Annotated[
        str | None,
        typer.Option(
            "--data-format",
            metavar="FORMAT",
            help="auto, synthetic, deam, pmemo, folder or emopia (auto detects from the layout).",
            show_default="auto",
        ),
    ] = None,
    cache_dir: CacheDirOpt = None,
    rebuild_cache: Annotated[
        bool | None,
        typer.Option("--rebuild-cache/--no-rebuild-cache", help="Recompute cached features."),
    ] = None,
    strict: Annotated[
        bool | None,
        typer.Option(
            "--strict/--no-strict", help="Treat any unreadable file or missing label as an error."
        ),
    ] = None,
    tolerance: ToleranceOpt = 1e-5,
    logger: LoggerOpt = None,
    mlflow_uri: MlflowUriOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Train the plugin's networks, then export each as RTNeural JSON with curves and checkpoints."""
    from emotrain.cli.options import logger_options
    from emotrain.cli.run_ui import run_training

    loggers = logger_options(logger, mlflow_uri)

    options = {
        "epochs": epochs, "batch_size": batch_size, "learning_rate": learning_rate,
        "validation_split": validation_split, "min_delta": min_delta,
        "early_stopping_patience": early_stopping_patience, "weight_decay": weight_decay,
        "grad_clip_norm": grad_clip_norm, "lr_factor": lr_factor, "lr_patience": lr_patience,
        "seq_len": seq_len, "samples": samples, "seed": seed, "device": device,
        "output": output, "data": data, "data_format": data_format, "cache_dir": cache_dir,
        "rebuild_cache": rebuild_cache, "strict": strict,
    }  # fmt: skip
    config = resolve_train_config(
        options,
        model=model,
        config_file=config_file,
    )
    run_training(config, overwrite=overwrite, quiet=quiet, tolerance=tolerance, loggers=loggers)


def resolve_train_config(
    options: dict[str, Any], *, model: list[str] | None, config_file: Path | None
) -> RunConfig:
    """Command-line values (None: not given) over the `--config` file over the defaults."""
    from emotrain.config import DATA_FORMATS, merge_run_config
    from emotrain.configfile import read_config_file
    from emotrain.models.registry import resolve_models

    file = read_config_file(config_file) if config_file is not None else {}
    cli = dict(options)
    data, cache_dir = cli.pop("data"), cli.pop("cache_dir")
    # Recorded absolute, so `resume` works from any working directory.
    cli["path"] = str(data.expanduser().resolve()) if data is not None else None
    cli["cache_dir"] = str(cache_dir.expanduser().resolve()) if cache_dir is not None else None
    fmt = cli.pop("data_format")
    cli["format"] = fmt.strip().lower() if fmt is not None else None
    if cli.get("device") is not None:
        cli["device"] = cli["device"].strip().lower()
    file_data = file.get("data", {})
    if cli["format"] is None and (cli["path"] is not None or "format" not in file_data):
        # The command line's default is to detect; a new --data is detected, not read as the
        # file's format.
        cli["format"] = "auto"
    if model is not None:
        models = resolve_models(model)
    elif "models" in file:
        models = resolve_models(file["models"])
    else:
        models = resolve_models(None)
        fmt_now = cli["format"] or file_data.get("format", "auto")
        path_now = cli["path"] or file_data.get("path")
        if path_now is not None and fmt_now in DATA_FORMATS and fmt_now != "synthetic":
            # The default `all` means "every model this corpus can train".
            from emotrain.data.corpus import supported_models

            models = supported_models(DataConfig(format=fmt_now, path=str(path_now))) or models
    return merge_run_config(cli, file, models=models)
