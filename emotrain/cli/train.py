"""`emotrain train`: parse options, call the library, print progress and a summary."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from emotrain.cli.options import (
    CacheDirOpt,
    DataFormatOpt,
    DataOpt,
    DeviceOpt,
    ModelOpt,
    OutputOpt,
    QuietOpt,
    RebuildCacheOpt,
    SeedOpt,
    StrictOpt,
)


def train(
    model: ModelOpt = None,
    epochs: Annotated[
        int, typer.Option("--epochs", "-e", metavar="N", help="Maximum epochs per model.")
    ] = 40,
    batch_size: Annotated[
        int, typer.Option("--batch-size", "-b", metavar="N", help="Sequences per batch.")
    ] = 64,
    learning_rate: Annotated[
        float, typer.Option("--learning-rate", "--lr", metavar="FLOAT", help="Adam learning rate.")
    ] = 5e-3,
    validation_split: Annotated[
        float,
        typer.Option(
            "--validation-split",
            metavar="FLOAT",
            help="Fraction of songs/sequences held out, in (0, 1).",
        ),
    ] = 0.2,
    early_stopping_patience: Annotated[
        int,
        typer.Option(
            "--early-stopping-patience",
            metavar="N",
            help="Epochs without improvement before stopping.",
        ),
    ] = 10,
    min_delta: Annotated[
        float,
        typer.Option(
            "--min-delta",
            metavar="FLOAT",
            help="Smallest val-loss decrease that counts as improvement.",
        ),
    ] = 0.0,
    seq_len: Annotated[
        int,
        typer.Option(
            "--seq-len",
            metavar="N",
            help="Frames per training sequence (LSTMs run from a zero state).",
        ),
    ] = 16,
    samples: Annotated[
        int, typer.Option("--samples", metavar="N", help="Synthetic data: number of sequences.")
    ] = 512,
    seed: SeedOpt = 42,
    device: DeviceOpt = "auto",
    output: OutputOpt = Path("trained_models"),
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite", help="Replace an existing run of the same model(s) in --output."
        ),
    ] = False,
    data: DataOpt = None,
    data_format: DataFormatOpt = "auto",
    cache_dir: CacheDirOpt = None,
    rebuild_cache: RebuildCacheOpt = False,
    strict: StrictOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Train the plugin's networks, then export each as RTNeural JSON with curves and checkpoints."""
    from emotrain.cli.run_ui import run_training
    from emotrain.config import DATA_FORMATS, DataConfig, RunConfig, TrainingConfig
    from emotrain.models.registry import resolve_models

    models = resolve_models(model)
    fmt = data_format.strip().lower()
    if model is None and data is not None and fmt in DATA_FORMATS and fmt != "synthetic":
        # The default `all` means "every model this corpus can train".
        from emotrain.data.corpus import supported_models

        models = supported_models(DataConfig(format=fmt, path=str(data))) or models
    config = RunConfig(
        models=models,
        data=DataConfig(
            format=fmt,
            # Recorded absolute, so `resume` works from any working directory.
            path=str(data.expanduser().resolve()) if data is not None else None,
            samples=samples,
            seq_len=seq_len,
            validation_split=validation_split,
            cache_dir=str(cache_dir.expanduser().resolve()) if cache_dir is not None else None,
            rebuild_cache=rebuild_cache,
            strict=strict,
        ),
        training=TrainingConfig(
            epochs=epochs,
            batch_size=batch_size,
            learning_rate=learning_rate,
            early_stopping_patience=early_stopping_patience,
            min_delta=min_delta,
            seed=seed,
            device=device.strip().lower(),
        ),
        output=str(output),
    )
    run_training(config, overwrite=overwrite, quiet=quiet)
