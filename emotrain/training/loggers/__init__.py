"""Experiment trackers (TensorBoard, MLflow) fed at the points the run writes its history."""

from emotrain.training.loggers.base import (
    LOGGERS,
    Logger,
    LoggerOptions,
    LoggerSet,
    check_installed,
    open_loggers,
    parse_loggers,
    resolve_options,
)

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
