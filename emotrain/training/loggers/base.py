"""Experiment trackers beside the run's own JSON/CSV history: which ones, and how they are called.

A `Logger` sees a model start (with the history rows it continues from), each epoch once its files
are on disk, and the model's end with the files it wrote. `LoggerSet` fans the calls out and keeps a
tracker's failure (a server down mid-run, a full disk under its folder) from ending the training:
the first failure is one warning naming the tracker, and that tracker is switched off for the rest
of the command. Losing a tracker's curve is recoverable (the history has every epoch, and `resume`
backfills what a tracker missed); losing hours of training to a dashboard is not.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from emotrain.errors import ConfigError
from emotrain.io import atomic_write_json

#: Tracker name -> (the module it needs, the extra that installs it).
LOGGERS: dict[str, tuple[str, str]] = {
    "tensorboard": ("tensorboard", "tensorboard"),
    "mlflow": ("mlflow", "mlflow"),
}
#: The run folder's record of its trackers, so `resume` continues the same ones (and MLflow runs).
LOGGERS_JSON = "loggers.json"


class Logger(Protocol):
    name: str

    def on_model_start(
        self, model: str, config: dict[str, Any], rows: list[dict[str, Any]]
    ) -> None:
        """`rows`: the history the model continues from (empty for a fresh start)."""

    def on_epoch_end(self, model: str, epoch: int, row: dict[str, Any]) -> None: ...

    def on_model_end(self, model: str, status: str, artifacts: dict[str, Path]) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class LoggerOptions:
    """What the user asked for. `names` None: not given (resume then uses the recorded ones).

    `parent_run_id` and `tags` are set by `tune`: each trial is an MLflow child of the study's run."""

    names: tuple[str, ...] | None = None
    mlflow_uri: str | None = None
    parent_run_id: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


def parse_loggers(values: Iterable[str] | str | None) -> tuple[str, ...] | None:
    """`--logger tensorboard,mlflow` or repeated; `none` turns every tracker off."""
    if values is None:
        return None
    if isinstance(values, str):
        values = [values]
    names: list[str] = []
    for value in values:
        for part in str(value).split(","):
            name = part.strip().lower()
            if not name:
                continue
            if name != "none" and name not in LOGGERS:
                raise ConfigError(
                    f"--logger: {part.strip()!r} is not one of {', '.join(LOGGERS)} (or none)"
                )
            if name not in names:
                names.append(name)
    if "none" in names and len(names) > 1:
        raise ConfigError("--logger: none cannot be combined with another logger")
    return tuple(n for n in names if n != "none")


def check_installed(names: Iterable[str]) -> None:
    """Said before any work, without importing the (slow) packages themselves."""
    for name in names:
        module, extra = LOGGERS[name]
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            raise ConfigError(
                f'--logger {name}: {module} is not installed; pip install "emotrain[{extra}]"'
            )


def read_record(root: Path) -> dict[str, Any]:
    try:
        record = json.loads((root / LOGGERS_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def write_record(root: Path, record: dict[str, Any]) -> None:
    atomic_write_json(root / LOGGERS_JSON, record)


def resolve_options(options: LoggerOptions | None, root: Path, *, resuming: bool) -> LoggerOptions:
    """Validated options; on resume the recorded trackers and MLflow store stand unless overridden
    (`--mlflow-uri`, then MLFLOW_TRACKING_URI, win over the recorded URI)."""
    options = options or LoggerOptions()
    record = read_record(root) if resuming else {}
    names = options.names
    if names is None:
        recorded = record.get("loggers")
        ok = isinstance(recorded, list) and all(n in LOGGERS for n in recorded)
        names = tuple(recorded) if ok else ()
    uri = options.mlflow_uri or os.environ.get("MLFLOW_TRACKING_URI") or None
    if uri is None and isinstance(record.get("mlflow"), dict):
        uri = record["mlflow"].get("tracking_uri")
    check_installed(names)
    return LoggerOptions(names, uri, options.parent_run_id, dict(options.tags))


def metric_values(row: dict[str, Any]) -> dict[str, float]:
    """The numbers of a history row worth a curve (everything but the epoch itself)."""
    return {
        k: float(v)
        for k, v in row.items()
        if k != "epoch"
        and isinstance(v, (int, float))
        and not isinstance(v, bool)
        and math.isfinite(v)
    }


def flat_config(config: dict[str, Any]) -> dict[str, str | float | int | bool]:
    """`training.learning_rate`-style keys; None and lists as text (trackers take scalars only)."""
    out: dict[str, str | float | int | bool] = {}
    for key, value in config.items():
        if isinstance(value, dict):
            out.update({f"{key}.{k}": v for k, v in flat_config(value).items()})
        elif isinstance(value, (str, int, float, bool)):
            out[key] = value
        else:
            out[key] = ",".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
    return out


class LoggerSet:
    """Every tracker of one command; the trainer calls this, never a tracker directly."""

    def __init__(self, loggers: list[Logger], warn: Any) -> None:
        self.loggers = list(loggers)
        self._warn = warn

    def __bool__(self) -> bool:
        return bool(self.loggers)

    def _call(self, method: str, *args: Any) -> None:
        for logger in list(self.loggers):
            try:
                getattr(logger, method)(*args)
            except Exception as exc:  # any tracker failure: warn once, train on
                self.loggers.remove(logger)
                self._warn(
                    f"the {logger.name} logger failed ({type(exc).__name__}: {exc}); training "
                    f"goes on without it (the history files have every epoch)"[:400]
                )
                with contextlib.suppress(Exception):  # already failing: nothing more to say
                    logger.close()

    def on_model_start(
        self, model: str, config: dict[str, Any], rows: list[dict[str, Any]]
    ) -> None:
        self._call("on_model_start", model, config, rows)

    def on_epoch_end(self, model: str, epoch: int, row: dict[str, Any]) -> None:
        self._call("on_epoch_end", model, epoch, row)

    def on_model_end(self, model: str, status: str, artifacts: dict[str, Path]) -> None:
        self._call("on_model_end", model, status, artifacts)

    def close(self) -> None:
        self._call("close")
