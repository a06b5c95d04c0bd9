"""TensorBoard event files under RUN/tensorboard/<model>/, one scalar per history column per epoch.

The history is the truth: when a model starts (fresh or resumed) its writer opens with
`purge_step=1` and rewrites every recorded epoch, so TensorBoard hides whatever an interrupted
process wrote beyond the checkpoint and shows exactly one value per epoch, whatever moment the
previous process died at. The configuration goes in as hparams, with the first epoch written.
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
        self.pending: dict[str, dict[str, Any]] = {}  # hparams waiting for the metric names

    def on_model_start(
        self, model: str, config: dict[str, Any], rows: list[dict[str, Any]]
    ) -> None:
        from torch.utils.tensorboard import SummaryWriter

        folder = tensorboard_dir(self.root, model)
        if not rows:  # a start from scratch over an old curve: the old one goes
            for old in folder.glob("events.out.tfevents.*"):
                old.unlink()
        writer = SummaryWriter(str(folder), purge_step=1)
        self.writers[model] = writer
        # Written at every start: TensorBoard keeps the last hparams of a run, so a resumed run
        # shows its current configuration (a changed --epochs, say).
        self.pending[model] = config
        for row in rows:
            self._scalars(model, int(row["epoch"]), row)
        writer.flush()

    def _scalars(self, model: str, epoch: int, row: dict[str, Any]) -> None:
        writer = self.writers[model]
        values = metric_values(row)
        config = self.pending.pop(model, None)
        if config is not None:  # the first row names the metrics the HPARAMS tab shows
            self._hparams(writer, config, values)
        for tag, value in values.items():
            writer.add_scalar(tag, value, epoch)

    @staticmethod
    def _hparams(writer: Any, config: dict[str, Any], values: dict[str, float]) -> None:
        """Written into this writer's own file (SummaryWriter.add_hparams would make a sub-run)."""
        from torch.utils.tensorboard.summary import hparams

        params = flat_config({k: v for k, v in config.items() if k != "config_version"})
        metrics = dict.fromkeys(k for k in values if k not in ("epoch_time_s", "samples_per_s"))
        experiment, start, end = hparams(params, metrics)
        for summary in (experiment, start, end):
            writer.file_writer.add_summary(summary)

    def on_epoch_end(self, model: str, epoch: int, row: dict[str, Any]) -> None:
        self._scalars(model, epoch, row)
        self.writers[
            model
        ].flush()  # a kill after the epoch's checkpoint leaves its curve on disk too

    def on_model_end(self, model: str, status: str, artifacts: dict[str, Path]) -> None:
        self.pending.pop(model, None)
        writer = self.writers.pop(model, None)
        if writer is not None:
            writer.close()

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()
        self.writers.clear()
