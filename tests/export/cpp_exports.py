"""The five plugin networks exported once per test module, with their C++ companions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from emotrain.export.rtneural import export_model
from emotrain.models.catalog import SPECS

#: Real-looking raw dB frames of the recognizer's validation split (a test cannot ship audio).
VALIDATION_FRAMES = np.clip(
    -0.3 * np.arange(128)[None, :] + np.random.default_rng(5).normal(0, 6, (8, 128)), -80, 10
).astype(np.float32)


def export_all(folder: Path, *, cpp_weights: tuple[str, ...] = ()) -> dict[str, object]:
    """name -> ExportResult of each network, seeded, written into `folder` with companions."""
    results = {}
    for spec in SPECS:
        torch.manual_seed(0)
        model = spec.build().eval()
        results[spec.name] = export_model(
            model,
            folder / f"{spec.name}.json",
            companions=True,
            cpp_weights=spec.name in cpp_weights,
            test_inputs=VALIDATION_FRAMES if spec.name == "emotionrecognizer" else None,
        )
    return results
