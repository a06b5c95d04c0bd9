"""Fold a network's input standardization into its first dense layer, so the JSON takes raw features.

`W (x - mu) / sigma + b` is `W' x + b'` with `W' = W / sigma` (each input column divided by its
feature's spread) and `b' = b - W' mu`. Computed in float64 and stored in the module's dtype, the
folded layer is the plugin's exact layer list and parameter count: RTNeural needs nothing new, and
the plugin keeps feeding raw dB.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from emotrain.errors import ExportError
from emotrain.export.layouts import LayerList


def input_statistics(model: nn.Module) -> tuple[torch.Tensor, torch.Tensor] | None:
    """(mean, std) of a model's inputs as float64, or None when it standardizes nothing."""
    norm = getattr(model, "normalization", None)
    if norm is None or getattr(norm, "is_identity", True):
        return None
    return norm.mean.detach().cpu().double(), norm.std.detach().cpu().double()


def fold_linear(linear: nn.Linear, mean: torch.Tensor, std: torch.Tensor) -> nn.Linear:
    """A copy of `linear` that computes `linear((x - mean) / std)` on raw `x`."""
    weight = linear.weight.detach().cpu().double()
    if weight.shape[1] != mean.shape[0]:
        raise ExportError(
            f"input statistics cover {mean.shape[0]} features, the first layer takes "
            f"{weight.shape[1]}"
        )
    bias = (
        linear.bias.detach().cpu().double()
        if linear.bias is not None
        else torch.zeros(weight.shape[0], dtype=torch.float64)
    )
    folded_w = weight / std[None, :]
    folded_b = bias - folded_w @ mean
    out = nn.Linear(linear.in_features, linear.out_features, bias=True)
    dtype = linear.weight.dtype
    with torch.no_grad():
        out.weight.copy_(folded_w.to(dtype))
        out.bias.copy_(folded_b.to(dtype))
    return out.to(dtype)


def folded_layers(model: nn.Module, layers: LayerList) -> list[tuple[nn.Module, str]]:
    """The export order with the model's input standardization folded into the first layer."""
    pairs = list(layers)
    stats = input_statistics(model)
    if stats is None or not pairs:
        return pairs
    first, act = pairs[0]
    if not isinstance(first, nn.Linear):
        raise ExportError(
            f"{type(first).__name__} is the first layer: input standardization can be folded "
            "only into a first Linear layer"
        )
    return [(fold_linear(first, *stats), act), *copy.copy(pairs[1:])]
