"""Experiment trackers (TensorBoard, MLflow) fed at the points the run writes its history."""

from emotrain.training.loggers.base import (
    LOGGERS,
    Logger,
    LoggerOptions,
    LoggerSet,
    check_installed,
    parse_loggers,
    resolve_options,
)
from emotrain.training.loggers.trackers import open_loggers

__all__ = [
    "LOGGERS",
    "Logger",
    "LoggerOptions",
    "LoggerSet",
    "check_installed",
    "open_loggers",
    "parse_loggers",
    "resolve_options",
]
