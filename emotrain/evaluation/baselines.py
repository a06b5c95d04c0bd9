"""Trivial baselines: what a model must beat before its numbers mean anything.

The baseline predicts, for every frame, the mean target of the data it may know: the training part
of the split for a run (the mean embedding, the mean note distribution, the mean chord
distribution, the mean expression vector). A model whose figures are no better than that constant
has learned nothing about its input, however good the numbers look on their own.
"""

from __future__ import annotations

import torch


def mean_target(targets: torch.Tensor) -> torch.Tensor:
    """Per-dimension mean over every frame of (N, T, F) or (frames, F) targets, as float64."""
    t = targets.detach().to("cpu", torch.float64)
    return t.reshape(-1, t.shape[-1]).mean(0)


def constant_prediction(mean: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """`mean` repeated for every frame of `like` (same shape as `like`)."""
    return mean.to(torch.float64).expand(like.shape)


_WHAT = {
    "emotionrecognizer": "mean emotion embedding",
    "melodytransformer": "mean note distribution (each note's activity rate)",
    "harmonypredictor": "mean chord distribution",
    "dynamicsengine": "mean expression vector",
    "groovepredictor": "mean groove vector",
}


def describe(model: str, source: str) -> str:
    """One line for the report: what the baseline predicts and where its mean comes from."""
    return f"constant {_WHAT.get(model, 'mean target')} of {source}"
