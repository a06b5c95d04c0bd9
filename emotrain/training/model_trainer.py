"""Training one model: set up -> epoch loop -> save, with every epoch's state checkpointed.

The loop reads top to bottom: shuffle with a per-epoch generator (so the data order needs no saved
state and a resumed run sees the same batches), train on tensor batches, validate, record, checkpoint,
decide whether to stop. Everything needed to continue bit for bit lives in `latest.pt`.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import torch

from emotrain.config import RunConfig, model_seed
from emotrain.data.base import SequenceData, SequenceRows
from emotrain.data.split import Split
from emotrain.errors import DataError
from emotrain.models.normalization import feature_statistics
from emotrain.models.spec import ModelSpec
from emotrain.runs.paths import RunPaths
from emotrain.runs.status import RunStatus
from emotrain.training.chain_inputs import perturb
from emotrain.training.checkpoint import (
    load_weights,
    read_checkpoint,
    save_checkpoint,
    serialize,
)
from emotrain.training.early_stopping import EarlyStopping
from emotrain.training.loggers.base import LoggerSet
from emotrain.training.losses import MetricAccumulator, loss_from_logits
from emotrain.training.metrics import TrainingMetrics
from emotrain.training.progress import Reporter
from emotrain.training.run_state import checkpoint_payload, restore_state
from emotrain.training.stream_schedule import group_ids, resolve_stream_mode
from emotrain.training.writer import BackgroundWriter

GRAD_CLIP_NORM = 1.0  # the default of --grad-clip-norm

#: Called after each epoch is validated with (epoch, its history row); a non-empty return is the
#: reason to stop the model there as "pruned" (a hyperparameter search dropping a poor trial).
EpochCallback = Callable[[int, dict[str, Any]], "str | None"]


class Interrupted(Exception):
    """Raised inside the loop when the user pressed Ctrl-C; the last epoch checkpoint stands."""


@dataclass
class ModelResult:
    name: str
    status: RunStatus  # a str: finished, early_stopped, diverged, pruned, export_failed
    best_epoch: int | None
    best_val_loss: float | None
    val_metrics: dict[str, float]
    epochs_run: int
    stop_reason: str | None
    files: dict[str, Path] = field(default_factory=dict)
    export_error: float | None = None
    export_failure: str | None = None  # why the export failed verification (status export_failed)


class ModelTrainer:
    def __init__(
        self,
        spec: ModelSpec,
        config: RunConfig,
        data: SequenceData,
        split: Split,
        paths: RunPaths,
        *,
        device: torch.device,
        reporter: Reporter,
        stop_event: threading.Event | None = None,
        split_manifest: dict[str, Any] | None = None,
        on_epoch: EpochCallback | None = None,
        loggers: LoggerSet | None = None,
    ):
        # `auto` resolved for this network and recorded so (checkpoint config, history): a resume
        # reads the mode this model trained in, whatever `auto` means in a later version.
        mode = resolve_stream_mode(config.training.stream_training, spec.name, spec.recurrent)
        config = replace(config, training=replace(config.training, stream_training=mode))
        self.spec, self.config, self.paths = spec, config, paths
        self.on_epoch = on_epoch
        self.loggers = loggers
        self.device, self.reporter = device, reporter
        self.stop_event = stop_event or threading.Event()
        self.split_manifest = split_manifest or {}
        self.data_fingerprint = data.fingerprint()
        self.description = data.description
        self.writer = BackgroundWriter()
        self.seed = model_seed(config.training.seed, spec.name)
        if not split.train_index or not split.val_index:
            raise DataError(
                f"{spec.name}: the split leaves {len(split.train_index)} training and "
                f"{len(split.val_index)} validation sequences; both need at least one"
            )
        # Both sides index the one dataset tensor: copies of them would double a corpus in memory.
        inputs, targets = data.inputs.to(device), data.targets.to(device)
        train_index = torch.tensor(split.train_index, dtype=torch.long)
        val_index = torch.tensor(split.val_index, dtype=torch.long)
        self.x_train = SequenceRows(inputs, train_index)
        self.y_train = SequenceRows(targets, train_index)
        self.x_val = SequenceRows(inputs, val_index)
        self.y_val = SequenceRows(targets, val_index)
        # Stateful training (recurrent networks only): songs back to back, state carried.
        self.stateful = mode == "stateful"
        self.train_songs = group_ids(data.groups, split.train_index) if self.stateful else None
        # The melody fed as the chain feeds it: a recognizer's output, not the exact label.
        self.chain_inputs = (
            config.training.melody_inputs == "recognizer-like" and spec.recognizer_like_inputs
        )
        self._setup()

    # -- setup ---------------------------------------------------------------------------------
    def _setup(self) -> None:
        t = self.config.training
        import numpy as np

        # Seed every generator a checkpoint records, so the same command writes the same state.
        torch.manual_seed(self.seed)
        random.seed(self.seed)
        np.random.seed(self.seed)
        self.model = self.spec.build().to(self.device)
        # Standardize inputs with the training split's statistics (never the validation split's):
        # raw log-mel dB saturate the first tanh layer, and the model learns a constant.
        self.model.normalization.set(*feature_statistics(self.x_train))
        self.optimizer = torch.optim.Adam(
            self.model.parameters(), lr=t.learning_rate, weight_decay=t.weight_decay
        )
        # Cut the rate when validation stalls (see TrainingConfig.scheduler_patience).
        self.scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
            self.optimizer, mode="min", factor=t.lr_factor, patience=t.scheduler_patience
        )
        self.stopper = EarlyStopping(t.early_stopping_patience, t.min_delta)
        self.history = TrainingMetrics(self.spec.name, self.spec.metric, self.spec.higher_is_better)
        self.history.stream_training = t.stream_training
        self.epoch = 0  # completed epochs
        self.best_metrics: dict[str, float] = {}
        # Stateful mode: each stream's LSTM state after the last step, carried into the next
        # epoch and recorded in every checkpoint (a resume continues the very same streams).
        self.stream_state: tuple[torch.Tensor, ...] | None = None

    def load_state(self, ckpt: dict[str, Any]) -> None:
        """Continue from a checkpoint: weights, optimizer, scheduler, early stopping, history, RNG,
        the state carried between windows (training/run_state.py)."""
        restore_state(self, ckpt)

    # -- one epoch -----------------------------------------------------------------------------
    def _train_epoch(self, epoch: int) -> float:
        if self.stateful:
            return self._train_epoch_stateful(epoch)
        bs = self.config.training.batch_size
        n = self.x_train.shape[0]
        order = torch.randperm(n, generator=torch.Generator().manual_seed(self.seed + epoch))
        order = order.to(self.device)
        noise = torch.Generator().manual_seed(self.seed + epoch + 2**31)
        self.model.train()
        total = torch.zeros((), device=self.device)
        params = list(self.model.parameters())
        for start in range(0, n, bs):
            if self.stop_event.is_set():
                raise Interrupted
            idx = order[start : start + bs]
            xb, yb = self.x_train[idx], self.y_train[idx]
            if self.chain_inputs:
                xb = perturb(xb, noise)
            self.optimizer.zero_grad(set_to_none=True)
            loss = loss_from_logits(self.spec, self.model(xb, logits=True), yb)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, self.config.training.grad_clip_norm)
            self.optimizer.step()
            total += loss.detach() * idx.shape[0]
            self.reporter.batch_done(loss.detach())
        return float(total) / n

    def _train_epoch_stateful(self, epoch: int) -> float:
        from emotrain.training.stateful_epoch import train_stateful_epoch

        return train_stateful_epoch(self, epoch, Interrupted)

    @torch.no_grad()
    def validate(self) -> tuple[float, dict[str, float]]:
        self.model.eval()
        bs = max(self.config.training.batch_size, 256)
        n = self.x_val.shape[0]
        total = torch.zeros((), device=self.device, dtype=torch.float64)
        acc = MetricAccumulator(self.spec)
        for start in range(0, n, bs):
            xb, yb = self.x_val[start : start + bs], self.y_val[start : start + bs]
            logits = self.model(xb, logits=True)
            total += loss_from_logits(self.spec, logits, yb).double() * xb.shape[0]
            acc.update(self.model._act_modules[-1](logits), yb)
        return float(total) / n, acc.result()

    # -- checkpoints ---------------------------------------------------------------------------
    def payload(self, *, finished: bool = False) -> dict[str, Any]:
        return checkpoint_payload(self, finished=finished)

    def _save_latest(self, *, finished: bool = False) -> None:
        save_checkpoint(
            self.paths.checkpoint(self.spec.name, "latest"), self.payload(finished=finished)
        )

    def restore_best(self) -> bool:
        """Put `best.pt`'s weights back into the model; False when no epoch ever improved.

        The best state is that file (written when an epoch improves), not a second copy of the
        weights kept in memory and in every checkpoint."""
        self.writer.wait()  # the last improving epoch's best.pt is whole
        best = self.paths.checkpoint(self.spec.name, "best")
        if not best.exists():
            return False
        load_weights(self.model, read_checkpoint(best).model_state_dict, best)
        return True

    # -- the loop ------------------------------------------------------------------------------
    def fit(self) -> ModelResult:
        t = self.config.training
        name = self.spec.name
        n_train = self.x_train.shape[0]
        batches = math.ceil(n_train / t.batch_size)
        self.reporter.model_started(
            name,
            start_epoch=self.epoch,
            epochs=t.epochs,
            batches=batches,
            n_train=n_train,
            n_val=self.x_val.shape[0],
            description=self.description,
        )
        if self.epoch == 0:
            self._save_latest()  # an interrupted first epoch still leaves something to resume
        try:
            return self._loop()
        except Interrupted:
            self.writer.wait()  # the last completed epoch's files are whole before we say so
            self.history.status = RunStatus.INTERRUPTED
            self.history.save(self.paths.history_dir)
            raise
        finally:
            self.writer.close()  # every file of the last epoch is on disk before anyone reads it

    def _write_epoch(self, *, improved: bool, finished: bool) -> None:
        """Serialise now (the next step mutates the tensors); write on the worker, in order.

        Order matters for a kill between writes: best first, then latest, then history. A resume
        restarts from latest and rewrites history from it, so none can disagree. An improving
        epoch writes the same state twice: it is serialised once.
        """
        name = self.spec.name
        payload = self.payload(finished=finished)
        data = serialize(payload)
        history = TrainingMetrics.from_dict(self.history.to_dict())
        paths, loggers = self.paths, self.loggers

        def job() -> None:
            if improved:
                save_checkpoint(paths.checkpoint(name, "best"), payload, data=data)
            save_checkpoint(paths.checkpoint(name, "latest"), payload, data=data)
            history.save(paths.history_dir)
            if loggers:  # after the checkpoint: a resume never redoes a logged epoch
                row = history.rows[-1]
                loggers.on_epoch_end(name, int(row["epoch"]), dict(row))

        self.writer.submit(job)

    def _loop(self) -> ModelResult:
        while self.epoch < self.config.training.epochs:
            result = self.run_epoch()
            if result is not None:
                return result
        self.reporter.model_done(self.spec.name)
        return self._result(self.history.stop_reason)

    def run_epoch(self) -> ModelResult | None:
        """Train, validate, record, checkpoint one epoch; a result when the model is done."""
        t = self.config.training
        name = self.spec.name
        epoch = self.epoch + 1
        self.reporter.epoch_started(epoch)
        started = time.perf_counter()
        train_loss = self._train_epoch(epoch)
        if not math.isfinite(train_loss):
            return self._diverged(epoch, train_loss)
        val_loss, metrics = self.validate()
        if not math.isfinite(val_loss):
            return self._diverged(epoch, val_loss)
        elapsed = time.perf_counter() - started
        lr = self.optimizer.param_groups[0]["lr"]
        improved = self.stopper.step(val_loss, epoch)  # no copy: best.pt is the best state
        self.scheduler.step(val_loss)
        self.epoch = epoch
        n_train = self.x_train.shape[0]
        row = {
            "epoch": epoch,
            "train_loss": train_loss,
            "val_loss": val_loss,
            "lr": lr,
            **{f"val_{k}": v for k, v in metrics.items()},
            "epoch_time_s": elapsed,
            "samples_per_s": n_train / max(elapsed, 1e-9),
        }
        self.history.add(row)
        if improved:
            self.best_metrics = dict(metrics)
            self.history.best_epoch, self.history.best_val_loss = epoch, val_loss
        stop, stop_reason = self.stopper.should_stop(epoch)
        prune_reason = self.on_epoch(epoch, dict(row)) if self.on_epoch is not None else None
        if stop:
            self.history.status = RunStatus.EARLY_STOPPED
            self.history.stopped_epoch, self.history.stop_reason = epoch, stop_reason
        elif epoch == t.epochs:
            self.history.status = RunStatus.FINISHED
        elif prune_reason:
            self.history.status = RunStatus.PRUNED
            self.history.stopped_epoch = epoch
            self.history.stop_reason = stop_reason = prune_reason
        finished = self.history.status != RunStatus.RUNNING
        self._write_epoch(improved=improved, finished=finished)
        self.reporter.epoch_done(
            name,
            row,
            epochs=t.epochs,
            best=self.stopper.best_score,
            patience_left=self.stopper.patience_left,
            metric=self.spec.metric,
            stopped=stop_reason if stop else None,
        )
        if finished:
            self.reporter.model_done(name)
            return self._result(stop_reason)
        return None

    def _diverged(self, epoch: int, value: float) -> ModelResult:
        """Stop this model; keep the best checkpoint as it is and record why in the history."""
        self.writer.wait()
        reason = (
            f"loss became {value} at epoch {epoch}; training of {self.spec.name} stopped "
            f"(try a lower --learning-rate); the best checkpoint is kept"
        )
        self.reporter.message(f"[{self.spec.name}] {reason}")
        self.restore_best()
        self.history.status = RunStatus.DIVERGED
        self.history.stopped_epoch, self.history.stop_reason = epoch, reason
        self.history.save(self.paths.history_dir)
        # Mark the last good epoch's checkpoint finished, so `resume` does not replay the divergence.
        latest = self.paths.checkpoint(self.spec.name, "latest")
        ckpt = read_checkpoint(latest).record(
            finished=True, status=str(RunStatus.DIVERGED), stop_reason=reason
        )
        save_checkpoint(latest, ckpt.to_dict())
        self.reporter.model_done(self.spec.name)
        return self._result(reason)

    def _result(self, stop_reason: str | None) -> ModelResult:
        return ModelResult(
            name=self.spec.name,
            status=self.history.status,
            best_epoch=self.stopper.best_epoch,
            best_val_loss=self.stopper.best_score,
            val_metrics=dict(self.best_metrics),
            epochs_run=self.epoch,
            stop_reason=stop_reason,
        )
