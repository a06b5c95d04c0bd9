"""Trivial baselines: what a model must beat before its numbers mean anything.

The baseline predicts, for every frame, the mean target of the data it may know: the training part
of the split for a run (the mean embedding, the mean note distribution, the mean chord
distribution, the mean expression vector). A model whose figures are no better than that constant
has learned nothing about its input, however good the numbers look on their own.

For the melody transformer the constant is each note's activity rate with add-half
(Krichevsky-Trofimov) smoothing, (count + 1/2) / (frames + 1): the best constant under binary
cross-entropy, except that a note never heard in training is priced as rare, not impossible. Unsmoothed,
one such note in a validation song costs the baseline 16 nats (the 1e-7 clamp), a debt any model that
never says exactly 0 would collect as "better" without using its emotion input at all.
"""

from __future__ import annotations

import torch

from emotrain.models.catalog import get_spec


def mean_target(targets: torch.Tensor) -> torch.Tensor:
    """Per-dimension mean over every frame of (N, T, F) or (frames, F) targets, as float64."""
    t = targets.detach().to("cpu", torch.float64)
    return t.reshape(-1, t.shape[-1]).mean(0)


def note_base_rates(targets: torch.Tensor) -> torch.Tensor:
    """Each note's smoothed activity rate over every frame of (N, T, 128) 0/1 targets, as float64."""
    t = targets.detach().to("cpu", torch.float64)
    frames = t.reshape(-1, t.shape[-1])
    return ((frames >= 0.5).sum(0).double() + 0.5) / (frames.shape[0] + 1.0)


def baseline_constant(model: str, targets: torch.Tensor) -> torch.Tensor:
    """The constant a model's baseline predicts, learnt from `targets` (the training split)."""
    if get_spec(model).baseline == "note_rates":
        return note_base_rates(targets)
    return mean_target(targets)


def constant_prediction(mean: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """`mean` repeated for every frame of `like` (same shape as `like`)."""
    return mean.to(torch.float64).expand(like.shape)


def describe(model: str, source: str) -> str:
    """One line for the report: what the baseline predicts and where its mean comes from."""
    return f"constant {get_spec(model).baseline_meaning} of {source}"
