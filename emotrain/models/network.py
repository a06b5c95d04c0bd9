"""The one network class behind all five plugin models: a stack of dense and LSTM layers.

Declaring layers as data (not as five hand-written classes) gives every model the same forward pass,
the same streaming behaviour and the same RTNeural export order, and lets a checkpoint carry the exact
layer list so that loading rebuilds the very architecture that was trained.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from emotrain.models.layers import Dense, LayerSpec, layer_to_dict
from emotrain.models.normalization import InputNormalization

#: RTNeural's activations as PyTorch functions, by the name a layer and the exported file carry:
#: the one table behind training's losses, evaluation's streams and export's verification.
ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "": lambda x: x,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
    "softmax": lambda x: torch.softmax(x, dim=-1),
    "elu": nn.functional.elu,
}


def _activation(name: str) -> nn.Module:
    return {
        "tanh": nn.Tanh(),
        "relu": nn.ReLU(),
        "sigmoid": nn.Sigmoid(),
        "softmax": nn.Softmax(dim=-1),
        "elu": nn.ELU(),
        "": nn.Identity(),
    }[name]


class PluginNetwork(nn.Module):
    """Runs a `(batch, time, features)` sequence of RAW features from a zero recurrent state.

    That is exactly what RTNeural computes after `reset()` and one `forward()` per frame, which is
    why training, evaluation and export all go through this one forward pass. The input
    standardization comes first, inside the network (export folds it into the first dense layer),
    so a Python caller and the plugin feed the same raw features.
    """

    def __init__(self, name: str, layers: tuple[LayerSpec, ...]):
        super().__init__()
        self.model_name = name
        self.layer_specs = tuple(layers)
        self.layers = nn.ModuleList()
        self.activations: list[str] = []
        for spec in self.layer_specs:
            if isinstance(spec, Dense):
                self.layers.append(nn.Linear(spec.in_features, spec.out_features))
                self.activations.append(spec.activation)
            else:
                self.layers.append(nn.LSTM(spec.in_features, spec.hidden_size, batch_first=True))
                self.activations.append("")
        self._act_modules = nn.ModuleList(_activation(a) for a in self.activations)
        self.normalization = InputNormalization(self.layer_specs[0].in_features)

    @property
    def in_features(self) -> int:
        return self.layer_specs[0].in_features

    @property
    def out_features(self) -> int:
        return self.layer_specs[-1].out_features

    @property
    def output_activation(self) -> str:
        return self.activations[-1]

    def forward(self, x: torch.Tensor, *, logits: bool = False) -> torch.Tensor:
        """With `logits=True` the last activation is skipped, for numerically stable losses."""
        last = len(self.layers) - 1
        x = self.normalization(x)
        for i, (layer, act) in enumerate(zip(self.layers, self._act_modules, strict=True)):
            x = layer(x)[0] if isinstance(layer, nn.LSTM) else layer(x)
            if not (logits and i == last):
                x = act(x)
        return x

    def rtneural_layers(self) -> list[tuple[nn.Module, str]]:
        """The export order: each PyTorch module with the activation RTNeural applies after it."""
        return [(layer, act) for layer, act in zip(self.layers, self.activations, strict=True)]

    def architecture(self) -> list[dict[str, Any]]:
        return [layer_to_dict(s) for s in self.layer_specs]


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
