"""Layer declarations as plain data: torch-free, so the CLI and configs can use them cheaply."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

#: The activation strings RTNeural's JSON loader knows; anything else crashes the host.
RTNEURAL_ACTIVATIONS = ("tanh", "relu", "sigmoid", "softmax", "elu", "")


@dataclass(frozen=True)
class Dense:
    in_features: int
    out_features: int
    activation: str = ""

    kind = "dense"


@dataclass(frozen=True)
class LSTM:
    in_features: int
    hidden_size: int

    kind = "lstm"

    @property
    def out_features(self) -> int:
        return self.hidden_size


LayerSpec = Dense | LSTM


def layer_to_dict(layer: LayerSpec) -> dict[str, Any]:
    return {"kind": layer.kind, **asdict(layer)}


def layer_from_dict(d: dict[str, Any]) -> LayerSpec:
    values = {k: v for k, v in d.items() if k != "kind"}
    if d.get("kind") == "dense":
        return Dense(**values)
    if d.get("kind") == "lstm":
        return LSTM(**values)
    raise ValueError(f"unknown layer kind {d.get('kind')!r}")


def multiply_adds_per_frame(layers: tuple[LayerSpec, ...]) -> int:
    """Real-time cost of one `forward()` in the plugin: multiply-adds of every matrix product."""
    total = 0
    for spec in layers:
        if isinstance(spec, Dense):
            total += spec.in_features * spec.out_features
        else:
            total += 4 * spec.hidden_size * (spec.in_features + spec.hidden_size)
    return total
