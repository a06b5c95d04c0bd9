"""Mean absolute error of each named dimension, model beside baseline, for dynamics and groove.

The headline (overall MAE) says whether a helper beats the training split's mean vector; this says
where: a dynamics engine may learn loudness and density and nothing about the pedal, a groove
predictor the onsets of the beat and nothing of its micro-timing. Names come from the plugin's own
modules, so the report reads as docs/plugin-contract.md does.
"""

from __future__ import annotations

from typing import Any


def dimension_names(model: str) -> tuple[str, ...] | None:
    """The contract's names of `model`'s outputs, or None for a model not judged per dimension."""
    from emotrain.plugin.wiring import output_names

    return output_names(model)


def per_dimension(model: str, pred: Any, base_pred: Any, targets: Any) -> dict[str, Any] | None:
    """{"names", "model_mae", "baseline_mae"}: each dimension's MAE over every evaluated frame."""
    import torch

    names = dimension_names(model)
    if names is None or targets.shape[-1] != len(names):
        return None
    t = targets.detach().to("cpu", torch.float64).reshape(-1, targets.shape[-1])

    def mae(p: Any) -> list[float]:
        p = p.detach().to("cpu", torch.float64).reshape(-1, targets.shape[-1])
        return [float(x) for x in (p - t).abs().mean(0)]

    return {"names": list(names), "model_mae": mae(pred), "baseline_mae": mae(base_pred)}
