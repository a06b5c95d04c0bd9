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

    def stream(
        self,
        x: torch.Tensor,
        state: tuple[torch.Tensor, ...] | None = None,
        *,
        logits: bool = False,
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
        """`forward` from a given recurrent state, returning the state after the last frame.

        The plugin never resets between songs: stateful training (TBPTT) runs consecutive windows
        through this, carrying `(h, c)` of every LSTM layer (flattened h0, c0, h1, c1, ...; each
        `(1, batch, hidden)`) from one window to the next. `None` is the zero state.
        """
        last = len(self.layers) - 1
        x = self.normalization(x)
        out: list[torch.Tensor] = []
        k = 0
        for i, (layer, act) in enumerate(zip(self.layers, self._act_modules, strict=True)):
            if isinstance(layer, nn.LSTM):
                hc = None if state is None else (state[2 * k], state[2 * k + 1])
                x, (h, c) = layer(x, hc)
                out += [h, c]
                k += 1
            else:
                x = layer(x)
            if not (logits and i == last):
                x = act(x)
        return x, tuple(out)

    def zero_state(self, batch: int, device: torch.device) -> tuple[torch.Tensor, ...]:
        """The state RTNeural's `reset()` gives, for `batch` parallel streams."""
        out: list[torch.Tensor] = []
        for layer in self.layers:
            if isinstance(layer, nn.LSTM):
                z = torch.zeros(1, batch, layer.hidden_size, device=device)
                out += [z, z.clone()]
        return tuple(out)

    def rtneural_layers(self) -> list[tuple[nn.Module, str]]:
        """The export order: each PyTorch module with the activation RTNeural applies after it."""
        return [(layer, act) for layer, act in zip(self.layers, self.activations, strict=True)]

    def architecture(self) -> list[dict[str, Any]]:
        return [layer_to_dict(s) for s in self.layer_specs]


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
