"""`emotrain train`: parse options, call the library, print progress and a summary."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from emotrain.cli.options import (
    OUTPUT,
    BatchSizeOpt,
    CacheDirOpt,
    ConfigFileOpt,
    DataFormatOpt,
    DataOpt,
    DeviceOpt,
    EpochsOpt,
    LearningRateOpt,
    LoggerOpt,
    MlflowUriOpt,
    OutputOpt,
    QuietOpt,
    RebuildCacheOpt,
    SamplesOpt,
    SeedOpt,
    SeqLenOpt,
    StrictOpt,
    ToleranceOpt,
    ValidationSongsOpt,
    ValidationSplitOpt,
    default,
    given,
    model_option,
    run_option,
)
from emotrain.config import RunConfig
from emotrain.tolerance import DEFAULT_TOLERANCE


def train(
    ctx: typer.Context,
    model: Annotated[
        list[str] | None, model_option("all (with --data, those its corpus can train)")
    ] = None,
    config_file: ConfigFileOpt = None,
    epochs: EpochsOpt = default("epochs"),
    batch_size: BatchSizeOpt = default("batch_size"),
    learning_rate: LearningRateOpt = default("learning_rate"),
    validation_split: ValidationSplitOpt = default("validation_split"),
    validation_songs: ValidationSongsOpt = None,
    early_stopping_patience: Annotated[int, run_option("early_stopping_patience")] = default(
        "early_stopping_patience"
    ),
    min_delta: Annotated[float, run_option("min_delta")] = default("min_delta"),
    weight_decay: Annotated[float, run_option("weight_decay")] = default("weight_decay"),
    grad_clip_norm: Annotated[float, run_option("grad_clip_norm")] = default("grad_clip_norm"),
    lr_factor: Annotated[float, run_option("lr_factor")] = default("lr_factor"),
    lr_patience: Annotated[int | None, run_option("lr_patience")] = default("lr_patience"),
    stream_training: Annotated[str, run_option("stream_training")] = default("stream_training"),
    melody_inputs: Annotated[str, run_option("melody_inputs")] = default("melody_inputs"),
    seq_len: SeqLenOpt = default("seq_len"),
    samples: SamplesOpt = default("samples"),
    seed: SeedOpt = default("seed"),
    device: DeviceOpt = default("device"),
    output: OutputOpt = default("output"),
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite",
            help="Replace an existing run of the same model(s) in --output.",
            rich_help_panel=OUTPUT,
        ),
    ] = False,
    data: DataOpt = None,
    data_format: DataFormatOpt = default("data_format"),
    cache_dir: CacheDirOpt = None,
    rebuild_cache: RebuildCacheOpt = default("rebuild_cache"),
    strict: StrictOpt = default("strict"),
    emotion_model: Annotated[str | None, run_option("emotion_model")] = None,
    tolerance: ToleranceOpt = DEFAULT_TOLERANCE,
    logger: LoggerOpt = None,
    mlflow_uri: MlflowUriOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Train the plugin's networks, then export each as RTNeural JSON with curves and checkpoints."""
    from emotrain.cli.options import logger_options
    from emotrain.cli.run_ui import run_training

    loggers = logger_options(logger, mlflow_uri)

    options = given(
        ctx, epochs=epochs, batch_size=batch_size, learning_rate=learning_rate,
        validation_split=validation_split, validation_songs=validation_songs, min_delta=min_delta,
        early_stopping_patience=early_stopping_patience, weight_decay=weight_decay,
        grad_clip_norm=grad_clip_norm, lr_factor=lr_factor, lr_patience=lr_patience,
        stream_training=stream_training, melody_inputs=melody_inputs, seq_len=seq_len, samples=samples, seed=seed, device=device, output=output, data=data,
        data_format=data_format, cache_dir=cache_dir, rebuild_cache=rebuild_cache, strict=strict,
        emotion_model=emotion_model,
    )  # fmt: skip
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
    from emotrain.config import merge_run_config
    from emotrain.configfile import read_config_file

    file = read_config_file(config_file) if config_file is not None else {}
    cli = dict(options)
    data, cache_dir = cli.pop("data"), cli.pop("cache_dir")
    # Recorded absolute, so `resume` works from any working directory.
    cli["path"] = str(data.expanduser().resolve()) if data is not None else None
    cli["cache_dir"] = str(cache_dir.expanduser().resolve()) if cache_dir is not None else None
    if cli.get("emotion_model") is not None:  # a path recorded absolute, NAME@N as its file
        from emotrain.registry.files import emotion_model_source

        cli["emotion_model"] = emotion_model_source(cli["emotion_model"])
    fmt = cli.pop("data_format")
    cli["format"] = fmt.strip().lower() if fmt is not None else None
    if cli.get("device") is not None:
        cli["device"] = cli["device"].strip().lower()
    if cli.get("validation_songs") is not None:
        from emotrain.data.split import resolve_song_spec

        cli["validation_songs"] = resolve_song_spec(cli["validation_songs"])
    file_data = file.get("data", {})
    if cli["format"] is None and (cli["path"] is not None or "format" not in file_data):
        # The command line's default is to detect; a new --data is detected, not read as the
        # file's format.
        cli["format"] = "auto"
    # --model over the file's `models` over `all`, narrowed to what a corpus can train: the
    # rule the Python API shares (config.choose_models).
    return merge_run_config(cli, file, models=model)
