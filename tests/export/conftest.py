"""Helpers for the export tests: export a layer list for real, then measure the file on its own."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from emotrain.export.rtneural import export_layers
from emotrain.export.verify import TorchReference
from emotrain.plugin.reference import ReferenceModel


class Measured:
    def __init__(self, path: Path, layers, in_features: int, steps: int, seed: int):
        self.path = path
        self.doc = json.loads(path.read_text())
        seq = np.random.default_rng(seed).standard_normal((steps, in_features)).astype(np.float32)
        ref = TorchReference(layers=layers)
        self.torch32 = ref(seq, np.float32)
        self.torch64 = ref(seq, np.float64)
        self.file32 = ReferenceModel(path, np.float32).run(seq)
        self.file64 = ReferenceModel(path, np.float64).run(seq.astype(np.float64))
        self.err32 = float(np.abs(self.file32.astype(np.float64) - self.torch32).max())
        self.err64 = float(np.abs(self.file64 - self.torch64).max())

    @property
    def types(self) -> list[str]:
        return [entry["type"] for entry in self.doc["layers"]]


@pytest.fixture(autouse=True)
def _seeded():
    """Every test builds its modules from the same seed, so failures reproduce."""
    torch.manual_seed(1234)


@pytest.fixture
def measure_layers(tmp_path):
    """Export `layers` with the real exporter (verified), then compare the written file with PyTorch
    on a sequence the exporter never saw (another seed and length)."""

    def run(layers, in_features: int, *, steps: int = 24, seed: int = 7) -> Measured:
        path = tmp_path / "net.json"
        export_layers(layers, in_features, path)
        return Measured(path, layers, in_features, steps, seed)

    return run


@pytest.fixture(scope="session")
def five_exports(tmp_path_factory):
    """The five plugin networks exported once for the session, with <name>.h (dynamics with its
    weights) and <name>.golden/ beside each JSON: (folder, name -> ExportResult)."""
    from tests.export.cpp_exports import export_all

    folder = tmp_path_factory.mktemp("five")
    return folder, export_all(folder, cpp_weights=("dynamicsengine",))
