"""Per-feature input standardization that lives inside the network, so it travels with the weights.

The plugin feeds raw features (log-mel dB, typically -80..+20 with a spread of ~13 dB) and does no
scaling of its own. Fed straight into `Linear -> tanh`, such inputs saturate the first layer at the
first step and the model learns a constant. So every network standardizes its inputs with the mean
and spread of its training split; the statistics are buffers (not parameters: the contract's
parameter counts do not change), a checkpoint records them under plain keys, and the export folds
them into the first dense layer so RTNeural needs nothing new.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

#: A feature that barely varies in training (a band that is always silent, a label dimension that is
#: constant) must not be divided by ~0: its spread is floored at this fraction of the typical
#: feature's spread, and at ABSOLUTE_FLOOR. Unseen values of such a feature then move the first layer
#: no more than a typical feature's would.
RELATIVE_FLOOR = 0.1
ABSOLUTE_FLOOR = 1e-3
CHECKPOINT_KEY = "input_normalization"


class InputNormalization(nn.Module):
    """`(x - mean) / std` over the last axis; identity until statistics are set."""

    def __init__(self, features: int):
        super().__init__()
        # Not persistent: `model_state_dict` keeps exactly the old scripts' keys, and checkpoints
        # carry the statistics under their own key (read with a default: identity).
        self.register_buffer("mean", torch.zeros(features), persistent=False)
        self.register_buffer("std", torch.ones(features), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std

    @property
    def is_identity(self) -> bool:
        return bool((self.mean == 0).all() and (self.std == 1).all())

    @torch.no_grad()
    def set(self, mean: torch.Tensor, std: torch.Tensor) -> None:
        features = self.mean.shape[0]
        mean = torch.as_tensor(mean).reshape(-1)
        std = torch.as_tensor(std).reshape(-1)
        if mean.shape[0] != features or std.shape[0] != features:
            raise ValueError(
                f"input statistics have {mean.shape[0]} means and {std.shape[0]} spreads; the "
                f"network takes {features} features"
            )
        if not (torch.isfinite(mean).all() and torch.isfinite(std).all() and (std > 0).all()):
            raise ValueError("input statistics must be finite, with every spread > 0")
        self.mean.copy_(mean.to(self.mean))
        self.std.copy_(std.to(self.std))

    def to_checkpoint(self, frames: int | None = None) -> dict[str, Any]:
        return {
            "mean": self.mean.detach().cpu().clone(),
            "std": self.std.detach().cpu().clone(),
            "frames": frames,
        }

    def load_checkpoint_entry(self, entry: Any) -> None:
        """Set from a checkpoint's entry; None (old runs, the original scripts) means identity."""
        if entry is None:
            self.set(torch.zeros_like(self.mean), torch.ones_like(self.std))
            return
        if not isinstance(entry, dict) or "mean" not in entry or "std" not in entry:
            raise ValueError(f"'{CHECKPOINT_KEY}' needs 'mean' and 'std' tensors")
        self.set(entry["mean"], entry["std"])


def feature_statistics(inputs, chunk: int = 65_536) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and floored spread of each feature over every frame of `(N, T, F)` inputs: a tensor,
    or the trainer's `SequenceRows` (data/base.py), read in the same chunks without a copy.

    Two passes in float64 over chunks of frames: a float32 sum over ~10^6 dB values loses digits,
    and a float64 copy of a whole corpus would not fit in memory.
    """
    if isinstance(inputs, torch.Tensor):
        frames = inputs.reshape(-1, inputs.shape[-1])

        def chunks():
            return (frames[start : start + chunk] for start in range(0, frames.shape[0], chunk))

        device = inputs.device
    else:

        def chunks():
            return inputs.frame_chunks(chunk)

        device = inputs.tensor.device
    n = inputs.shape[0] * inputs.shape[1]
    total = torch.zeros(inputs.shape[-1], dtype=torch.float64, device=device)
    for block in chunks():
        total += block.double().sum(0)
    mean = total / max(n, 1)
    squares = torch.zeros_like(total)
    for block in chunks():
        squares += ((block.double() - mean) ** 2).sum(0)
    std = (squares / max(n, 1)).sqrt() if n > 1 else torch.ones_like(mean)
    floor = max(ABSOLUTE_FLOOR, RELATIVE_FLOOR * float(std.median()))
    return mean.float(), std.clamp_min(floor).float()
