"""The concrete trackers by name: the one module that knows them all, above base.py, which each
tracker builds on (so base.py never imports a tracker back)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from emotrain.training.loggers.base import (
    Logger,
    LoggerOptions,
    LoggerSet,
    read_record,
    write_record,
)


def open_loggers(options: LoggerOptions, root: Path, warn: Any, *, resuming: bool) -> LoggerSet:
    """The trackers of `options` (already resolved) writing for the run folder `root`; the choice
    is recorded in the folder so `resume` continues with the same ones (and, for MLflow, the same
    runs: `resuming` continues a model's recorded run, otherwise each model gets a new one)."""
    record = read_record(root)
    if options.names or record:
        record["loggers"] = list(options.names or ())
        write_record(root, record)
    loggers: list[Logger] = []
    for name in options.names or ():
        if name == "tensorboard":
            from emotrain.training.loggers.tensorboard import TensorBoardLogger

            loggers.append(TensorBoardLogger(root))
        elif name == "mlflow":
            from emotrain.training.loggers.mlflow import MlflowLogger

            loggers.append(MlflowLogger(root, options, resuming=resuming))
    return LoggerSet(loggers, warn)
