"""What a resumed run may change: `--epochs` and `--device`; the rest must equal the recording.

Options that would change the data, the split or the data order are accepted only when they equal
the recorded values, so a script can pass its usual flags safely; for checkpoints of the original
training scripts, which recorded nothing, the options given describe the run.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from emotrain.config import RunConfig
from emotrain.errors import ConfigError

#: Options whose change would make the resumed run a different run.
LOCKED = {
    "seed": ("training", "seed", "--seed"),
    "validation_split": ("data", "validation_split", "--validation-split"),
    "samples": ("data", "samples", "--samples"),
    "seq_len": ("data", "seq_len", "--seq-len"),
    "data_format": ("data", "format", "--data-format"),
    "data": ("data", "path", "--data"),
    "batch_size": ("training", "batch_size", "--batch-size"),
    "learning_rate": ("training", "learning_rate", "--learning-rate"),
}


def apply_overrides(config: RunConfig, overrides: dict[str, Any]) -> RunConfig:
    """Old-pipeline checkpoints recorded nothing: the user's options describe the run."""
    data, training = config.data, config.training
    for key, value in overrides.items():
        if value is None or key not in LOCKED:
            continue
        section, attr, _ = LOCKED[key]
        if section == "data":
            data = replace(data, **{attr: str(value) if key == "data" else value})
        else:
            training = replace(training, **{attr: value})
    if data.path and data.format == "synthetic" and overrides.get("data_format") is None:
        data = replace(data, format="auto")  # --data alone means "detect this corpus"
    return replace(config, data=data, training=training)


def _same(key: str, given: Any, recorded: Any, config: RunConfig) -> bool:
    if key == "data":
        return recorded is not None and Path(str(recorded)).resolve() == Path(str(given)).resolve()
    if key == "data_format":
        given = str(given).strip().lower()
        builtin = {"auto", "synthetic"}
        return given == recorded or (config.data.path is None and {given, recorded} <= builtin)
    return given == recorded


def check_locked(config: RunConfig, overrides: dict[str, Any], name: str) -> None:
    problems = []
    for key, value in overrides.items():
        if value is None or key not in LOCKED:
            continue
        section, attr, flag = LOCKED[key]
        recorded = getattr(getattr(config, section), attr)
        if key == "validation_split" and config.data.validation_songs:
            problems.append(
                f"{flag}: the run of {name} holds out fixed songs (--validation-songs "
                f"{config.data.validation_songs}); resume keeps that split and takes no fraction"
            )
        elif not _same(key, value, recorded, config):
            problems.append(
                f"{flag}: the run of {name} was recorded with {recorded!r}, not {value!r}; resume "
                "cannot change the data, split or training order (start a new run with "
                "`emotrain train ... --overwrite` instead)"
            )
    if problems:
        raise ConfigError(problems)


def adjust(
    config: RunConfig,
    name: str,
    epochs: int | None,
    device: str | None,
    plan_notes: list[str],
    warns: list[str],
) -> RunConfig:
    training = config.training
    if epochs is not None and epochs != training.epochs:
        plan_notes.append(f"[{name}] planned epochs changed from {training.epochs} to {epochs}")
        training = replace(training, epochs=epochs)
    if device is not None and device != training.device:
        warns.append(
            f"[{name}] device changed from {training.device} to {device}: results may differ "
            "in the last bits from an uninterrupted run"
        )
        training = replace(training, device=device)
    return replace(config, training=training).validate()
