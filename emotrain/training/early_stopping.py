"""Early stopping: when the monitored value stopped improving by more than `min_delta`.

Training keeps no copy of the weights here: it passes no model to `step`, and its best state is
`best.pt`, written when an epoch improves (`ModelTrainer.restore_best` reads it back). A caller
without such a file may pass the model, and then `step` keeps a deep copy (`clone()` of every
tensor; the old scripts kept references to the live tensors, so their restore put back the last
epoch's weights) that `restore` loads.
"""

from __future__ import annotations

import math
from typing import Any

import torch


class EarlyStopping:
    """Monitors a value where lower is better (validation loss).

    Public attributes mirror the constructor; `state_dict()` holds plain values and tensors so it can
    live inside a checkpoint that loads with `weights_only=True`.
    """

    def __init__(self, patience: int = 10, min_delta: float = 0.0):
        if patience < 1:
            raise ValueError("patience must be >= 1")
        if min_delta < 0:
            raise ValueError("min_delta must be >= 0")
        self.patience = patience
        self.min_delta = min_delta
        self.best_score: float | None = None
        self.best_epoch: int | None = None
        self.wait = 0
        self.stopped_epoch: int | None = None
        self.best_state: dict[str, torch.Tensor] | None = None

    def is_improvement(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        return self.best_score is None or value < self.best_score - self.min_delta

    @property
    def patience_left(self) -> int:
        return self.patience - self.wait

    def step(self, value: float, epoch: int, model: torch.nn.Module | None = None) -> bool:
        """Record one epoch's value; True when it is a new best (then a given model's weights
        are copied: training passes none, its best state is best.pt)."""
        if self.is_improvement(value):
            self.best_score = float(value)
            self.best_epoch = epoch
            self.wait = 0
            if model is not None:
                self.best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            return True
        self.wait += 1
        return False

    def should_stop(self, epoch: int) -> tuple[bool, str | None]:
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            return True, (
                f"no improvement of val_loss by more than {self.min_delta:g} for {self.patience} "
                f"epochs (best {self.best_score:.6g} at epoch {self.best_epoch})"
            )
        return False, None

    def restore(self, model: torch.nn.Module) -> bool:
        """Load the best weights into `model`; False when no epoch was ever an improvement."""
        if self.best_state is None:
            return False
        model.load_state_dict(self.best_state)
        return True

    def state_dict(self) -> dict[str, Any]:
        return {
            "patience": self.patience,
            "min_delta": self.min_delta,
            "best_score": self.best_score,
            "best_epoch": self.best_epoch,
            "wait": self.wait,
            "stopped_epoch": self.stopped_epoch,
            "best_state": self.best_state,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best_score = state.get("best_score")
        self.best_epoch = state.get("best_epoch")
        self.wait = int(state.get("wait", 0))
        self.stopped_epoch = state.get("stopped_epoch")
        best = state.get("best_state")
        self.best_state = {k: v.clone() for k, v in best.items()} if best else None
