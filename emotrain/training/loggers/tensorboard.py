"""TensorBoard event files under RUN/tensorboard/<model>/, one scalar per history column per epoch.

The history is the truth: when a model starts (fresh or resumed) its writer opens with
`purge_step=1` and rewrites every recorded epoch, so TensorBoard hides whatever an interrupted
process wrote beyond the checkpoint and shows exactly one value per epoch, whatever moment the
previous process died at. The configuration goes in once, as hparams, when the folder is new.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from emotrain.training.loggers.base import flat_config, metric_values

TENSORBOARD_DIR = "tensorboard"


def tensorboard_dir(root: Path, model: str) -> Path:
    return root / TENSORBOARD_DIR / model


class TensorBoardLogger:
    name = "tensorboard"

    def __init__(self, root: Path) -> None:
        self.root = root
        self.writers: dict[str, Any] = {}

    def on_model_start(
        self, model: str, config: dict[str, Any], rows: list[dict[str, Any]]
    ) -> None:
        from torch.utils.tensorboard import SummaryWriter

        folder = tensorboard_dir(self.root, model)
        fresh = not (folder.is_dir() and any(folder.glob("events.out.tfevents.*")))
        if not rows and not fresh:  # a fresh start over an old curve: the old one goes
            for old in folder.glob("events.out.tfevents.*"):
                old.unlink()
            fresh = True
        writer = SummaryWriter(str(folder), purge_step=1)
        self.writers[model] = writer
        if fresh:
            self._hparams(writer, config, rows)
        for row in rows:
            self._scalars(writer, int(row["epoch"]), row)
        writer.flush()

    @staticmethod
    def _hparams(writer: Any, config: dict[str, Any], rows: list[dict[str, Any]]) -> None:
        """Written into this writer's own file (SummaryWriter.add_hparams would make a sub-run)."""
        from torch.utils.tensorboard.summary import hparams

        params = flat_config({k: v for k, v in config.items() if k != "config_version"})
        metrics = {"train_loss": 0.0, "val_loss": 0.0, "lr": 0.0}
        experiment, start, end = hparams(params, metrics)
        for summary in (experiment, start, end):
            writer.file_writer.add_summary(summary)

    @staticmethod
    def _scalars(writer: Any, epoch: int, row: dict[str, Any]) -> None:
        for tag, value in metric_values(row).items():
            writer.add_scalar(tag, value, epoch)

    def on_epoch_end(self, model: str, epoch: int, row: dict[str, Any]) -> None:
        writer = self.writers[model]
        self._scalars(writer, epoch, row)
        writer.flush()  # a kill after the epoch's checkpoint leaves its curve on disk too

    def on_model_end(self, model: str, status: str, artifacts: dict[str, Path]) -> None:
        writer = self.writers.pop(model, None)
        if writer is not None:
            writer.close()

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()
        self.writers.clear()
