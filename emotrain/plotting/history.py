"""History files: the one place that decides whether a history can be drawn, and says why not.

A history is `history/<name>_history.json` as the trainer writes it (see training/metrics.py). A
missing or corrupt file is a `DataError` with one line naming the file and the field.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from emotrain.errors import ConfigError, DataError
from emotrain.runs.paths import RunPaths

_REQUIRED_ROW_KEYS = ("epoch", "train_loss", "val_loss")


def _is_number(value: Any) -> bool:
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))


def validate_history(history: Any, source: str | Path = "history") -> dict[str, Any]:
    """Check the shape the plots rely on; every problem is one line naming the file and the field.

    Values may be `null` (a diverged epoch's NaN cannot be stored in JSON); missing keys may not.
    """
    where = str(source)
    if not isinstance(history, dict):
        raise DataError(
            f"history {where} is corrupt: expected a JSON object, got {type(history).__name__}"
        )
    model = history.get("model")
    if not isinstance(model, str) or not model.strip():
        raise DataError(f"history {where} is corrupt: no model name ('model' key)")
    epochs = history.get("epochs")
    if not isinstance(epochs, list):
        raise DataError(f"history {where} is corrupt: 'epochs' must be a list of per-epoch rows")
    for i, row in enumerate(epochs, start=1):
        if not isinstance(row, dict):
            raise DataError(f"history {where} is corrupt: epoch row {i} is not an object")
        for key in _REQUIRED_ROW_KEYS:
            if key not in row or not _is_number(row[key]):
                raise DataError(f"history {where} is corrupt: epoch row {i} has no numeric {key!r}")
        if not isinstance(row["epoch"], int):
            raise DataError(f"history {where} is corrupt: epoch row {i} has a non-integer 'epoch'")
    for key in ("best_epoch", "stopped_epoch"):
        value = history.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise DataError(f"history {where} is corrupt: {key!r} must be an integer or null")
    metric = history.get("metric")
    if metric is not None and not isinstance(metric, str):
        raise DataError(f"history {where} is corrupt: 'metric' must be a metric name")
    return history


def load_history(path: str | Path) -> dict[str, Any]:
    """Read and validate `history/<name>_history.json`; missing or corrupt is a `DataError`."""
    p = Path(path)
    if not p.exists():
        raise DataError(
            f"history not found: {p} (emotrain train writes history/<name>_history.json)"
        )
    if p.is_dir():
        raise DataError(f"expected a history file, got a folder: {p}")
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot read history {p}: {type(exc).__name__}") from exc
    try:
        history = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(
            f"history {p} is corrupt: not valid JSON "
            f"(line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from exc
    return validate_history(history, p)


def find_histories(run_dir: str | Path, models: tuple[str, ...] | None = None) -> dict[str, Path]:
    """`{model: history path}` of a run folder, contract order; with `models`, each must exist."""
    from emotrain.models.catalog import MODEL_NAMES

    root = Path(run_dir)
    if not root.exists():
        raise ConfigError(f"RUN_DIR: {root} does not exist")
    if not root.is_dir():
        raise ConfigError(f"RUN_DIR: {root} is not a folder")
    run = RunPaths(root)
    folder = run.history_dir
    if models:
        found = {name: run.history_json(name) for name in models}
        for path in found.values():
            if not path.is_file():
                raise DataError(
                    f"history not found: {path} (emotrain train writes it for each model)"
                )
        return found
    found = {n: run.history_json(n) for n in MODEL_NAMES}
    found = {n: p for n, p in found.items() if p.is_file()}
    if not found:
        raise DataError(
            f"no history in {folder} (expected <model>_history.json written by emotrain train; "
            "is this a run folder?)"
        )
    return found
