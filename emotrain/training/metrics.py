"""TrainingMetrics: the per-epoch history of one model, saved as JSON and CSV after every epoch."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

from emotrain.io import atomic_write_json, atomic_write_text
from emotrain.runs.status import RunStatus

HISTORY_FORMAT_VERSION = 1


def _clean(value: Any) -> Any:
    """JSON has no NaN/Infinity: a diverged epoch's loss is recorded as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class TrainingMetrics:
    def __init__(self, model: str, metric: str, higher_is_better: bool):
        self.model = model
        self.metric = metric
        self.higher_is_better = higher_is_better
        self.rows: list[dict[str, Any]] = []
        self.best_epoch: int | None = None
        self.best_val_loss: float | None = None
        self.stopped_epoch: int | None = None
        self.stop_reason: str | None = None
        self.status: RunStatus = RunStatus.RUNNING
        # How a recurrent network read its data (windows | stateful): `--stream-training auto`
        # resolved for this model, so the history says what was trained.
        self.stream_training: str | None = None

    def add(self, row: dict[str, Any]) -> None:
        self.rows.append({k: _clean(v) for k, v in row.items()})

    def truncate(self, epochs: int) -> None:
        """Keep the rows of the first `epochs` epochs (resume cuts back to its checkpoint)."""
        self.rows = [r for r in self.rows if r["epoch"] <= epochs]

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "format_version": HISTORY_FORMAT_VERSION,
            "metric": self.metric,
            "higher_is_better": self.higher_is_better,
            "monitor": "val_loss",
            "best_epoch": self.best_epoch,
            "best_val_loss": _clean(self.best_val_loss),
            "stopped_epoch": self.stopped_epoch,
            "stop_reason": self.stop_reason,
            "status": str(self.status),  # the plain word: JSON, weights_only
            "stream_training": self.stream_training,
            "epochs": [dict(r) for r in self.rows],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainingMetrics:
        m = cls(d.get("model", ""), d.get("metric", ""), bool(d.get("higher_is_better", False)))
        m.rows = [dict(r) for r in d.get("epochs", [])]
        m.best_epoch = d.get("best_epoch")
        m.best_val_loss = d.get("best_val_loss")
        m.stopped_epoch = d.get("stopped_epoch")
        m.stop_reason = d.get("stop_reason")
        m.status = RunStatus.of(d.get("status"))
        m.stream_training = d.get("stream_training")
        return m

    def csv_text(self) -> str:
        columns: list[str] = []
        for row in self.rows:
            columns.extend(k for k in row if k not in columns)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns or ["epoch"], lineterminator="\n")
        writer.writeheader()
        for row in self.rows:
            writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in columns})
        return buffer.getvalue()

    def save(self, history_dir: Path) -> tuple[Path, Path]:
        json_path = history_dir / f"{self.model}_history.json"
        csv_path = history_dir / f"{self.model}_history.csv"
        atomic_write_json(json_path, self.to_dict())
        atomic_write_text(csv_path, self.csv_text())
        return json_path, csv_path
