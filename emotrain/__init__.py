"""emotrain: train, check and ship the neural networks of a real-time MIDI companion plugin.

The public API mirrors the command line; importing it does not import torch until a function runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from emotrain._version import __version__
from emotrain.tolerance import DEFAULT_TOLERANCE

__all__ = [
    "__version__",
    "evaluate",
    "export_rtneural",
    "load_model",
    "plot",
    "resume",
    "train",
    "tune",
]


def _python_names(flags: dict[str, str] | None = None) -> Any:
    """Errors of the library name options as the command line spells them (`--batch-size`); a
    Python caller passed `batch_size=`, so the message names that. `flags` maps the options whose
    Python name is not the flag's own (`--data` is `path=` for `train`). Commands quoted in
    backticks are left as they are: they are meant for a shell."""
    import functools
    import re

    def rename(text: str) -> str:
        def one(match: re.Match[str]) -> str:
            flag, value = match.group(1), match.group(2)
            name = (flags or {}).get(flag, flag[2:].replace("-", "_"))
            return f"{name}={value}" if value else name  # `--data PATH` reads `path=PATH`

        parts = text.split("`")
        pattern = r"(?<![\w-])(--[a-z][a-z0-9-]*)(?: ([A-Z][A-Z_]*)\b)?"
        parts[::2] = [re.sub(pattern, one, part) for part in parts[::2]]
        return "`".join(parts)

    def wrap(function: Any) -> Any:
        @functools.wraps(function)
        def call(*args: Any, **kwargs: Any) -> Any:
            from emotrain.errors import ConfigError

            try:
                return function(*args, **kwargs)
            except ConfigError as exc:
                raise ConfigError([rename(p) for p in exc.problems]) from None

        return call

    return wrap


#: `train` and `tune` take the configuration's field names (`path=`, `format=`), not the flags'.
_RUN_FLAGS = {
    "--data": "path",
    "--data-format": "format",
    "--model": "models",
    "--lr": "learning_rate",
}


@_python_names(_RUN_FLAGS)
def train(
    models: Any = "all",
    *,
    output: str = "trained_models",
    overwrite: bool = False,
    quiet: bool = True,
    tolerance: float = DEFAULT_TOLERANCE,
    **options: Any,
) -> list[Any]:
    """Run what `emotrain train` runs. `options` are TrainingConfig/DataConfig field names
    (epochs, batch_size, learning_rate, seed, device, samples, seq_len, validation_split,
    validation_songs: ids and ranges, a file of them or a list, ...);
    `tolerance` is the export check's, as `--tolerance`."""
    from dataclasses import fields

    from emotrain.config import (
        DataConfig,
        RunConfig,
        TrainingConfig,
        apply_env_caps,
        choose_models,
    )
    from emotrain.errors import ConfigError
    from emotrain.pipeline import train as _train
    from emotrain.training.progress import make_reporter

    data_keys = {f.name for f in fields(DataConfig)}
    train_keys = {f.name for f in fields(TrainingConfig)}
    unknown = set(options) - data_keys - train_keys
    if unknown:
        raise ConfigError(
            f"unknown option(s) {sorted(unknown)}; allowed: {sorted(data_keys | train_keys)}"
        )
    for key in ("path", "cache_dir"):  # recorded absolute, as the CLI does, for `resume`
        if isinstance(options.get(key), (str, Path)):
            options[key] = str(Path(options[key]).expanduser().resolve())
    if options.get("path") is not None and options.get("format") is None:
        options["format"] = "auto"  # a corpus with no format is detected, as `--data` alone
    if isinstance(options.get("emotion_model"), (str, Path)):  # as the CLI records it
        from emotrain.registry.files import emotion_model_source

        options["emotion_model"] = emotion_model_source(
            str(options["emotion_model"]), "emotion_model"
        )
    songs = options.get("validation_songs")
    if isinstance(songs, (list, tuple)):  # ids given as a Python list
        songs = ",".join(str(s) for s in songs)
    if isinstance(songs, (str, Path)):  # ids and ranges, or a file of them, as the CLI takes
        from emotrain.data.split import resolve_song_spec

        options["validation_songs"] = resolve_song_spec(str(songs))
    data = DataConfig(**{k: v for k, v in options.items() if k in data_keys})
    config = RunConfig(
        models=choose_models(models, None, data),  # the CLI's rule: `all` is what data can teach
        data=data,
        training=TrainingConfig(**{k: v for k, v in options.items() if k in train_keys}),
        output=str(output),
    )
    config = apply_env_caps(config)
    return _train(config, overwrite=overwrite, reporter=make_reporter(quiet), tolerance=tolerance)


@_python_names({**_RUN_FLAGS, "--model": "model"})
def tune(
    model: str,
    *,
    trials: int = 20,
    output: str | Path = "tune_study",
    space: str | Path | None = None,
    storage: str | None = None,
    study_name: str | None = None,
    workers: int = 1,
    pruner: str = "halving",
    metric: str = "val_loss",
    timeout: float | None = None,
    **options: Any,
) -> dict[str, Any]:
    """Run what `emotrain tune` runs and return its `--json` summary. `options` are the
    TrainingConfig/DataConfig fields of the base configuration (epochs, seed, samples, ...)."""
    from emotrain.config import merge_run_config
    from emotrain.models.catalog import resolve_models
    from emotrain.tuning.tune import build_spec
    from emotrain.tuning.tune import tune as _tune

    for key in ("path", "cache_dir"):
        if isinstance(options.get(key), (str, Path)):
            options[key] = str(Path(options[key]).expanduser().resolve())
    from dataclasses import fields

    from emotrain.config import DataConfig, TrainingConfig
    from emotrain.errors import ConfigError

    known = {f.name for dc in (DataConfig, TrainingConfig) for f in fields(dc)}
    if set(options) - known:
        raise ConfigError(
            f"unknown option(s) {sorted(set(options) - known)}; allowed: {sorted(known)}"
        )
    base = merge_run_config(options, models=resolve_models(model))
    spec = build_spec(model=model, base=base, trials=trials, output=Path(output),
                      space_file=Path(space) if space else None, storage=storage,
                      study_name=study_name, workers=workers, pruner=pruner, timeout=timeout,
                      metric=metric)  # fmt: skip
    return _tune(spec)


def load_model(checkpoint_path: Any, *, device: str = "cpu") -> Any:
    """The trained network in eval mode: RAW `(batch, time, in_features)` (log-mel dB for the
    emotion recognizer, as the plugin feeds) -> `(batch, time, out_features)`. The input
    standardization learned from the training split is inside the module."""
    from emotrain.training.checkpoint import load_model as _load

    return _load(checkpoint_path, device=device)


@_python_names()
def resume(*args: Any, **kwargs: Any) -> Any:
    from emotrain.pipeline import resume as _resume

    return _resume(*args, **kwargs)


@_python_names()
def evaluate(*args: Any, **kwargs: Any) -> Any:
    from emotrain.evaluation import evaluate as _evaluate

    return _evaluate(*args, **kwargs)


@_python_names()
def export_rtneural(*args: Any, **kwargs: Any) -> Any:
    from emotrain.export.rtneural import export_checkpoint

    return export_checkpoint(*args, **kwargs)


@_python_names()
def plot(*args: Any, **kwargs: Any) -> Any:
    from emotrain.plotting import plot_runs

    return plot_runs(*args, **kwargs)
