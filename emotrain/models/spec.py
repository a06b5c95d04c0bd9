"""What each plugin network is: its layers, its loss, the metric it is judged by, its meaning."""

from __future__ import annotations

from dataclasses import dataclass

from emotrain.models.layers import Dense, LayerSpec


@dataclass(frozen=True)
class ModelSpec:
    name: str  # the plugin's file name, <name>.json
    alias: str
    role: str
    layers: tuple[LayerSpec, ...]
    loss: str  # "mse" | "bce" | "kl"  (see training/objectives.py)
    metric: str  # the headline metric plotted and shown in the summary
    higher_is_better: bool  # for the headline metric
    parameters: int  # the contract's count; a test checks the built model against it
    input_meaning: str
    output_meaning: str

    @property
    def in_features(self) -> int:
        return self.layers[0].in_features

    @property
    def out_features(self) -> int:
        return self.layers[-1].out_features

    @property
    def recurrent(self) -> bool:
        return any(not isinstance(layer, Dense) for layer in self.layers)

    def build(self):  # -> PluginNetwork, typed loosely to keep torch out of module import
        from emotrain.models.network import PluginNetwork

        return PluginNetwork(self.name, self.layers)
