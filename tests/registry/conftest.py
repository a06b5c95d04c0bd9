"""Registry test helpers: run folders written as `train` writes them, exports of seeded models."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from emotrain.export.rtneural import export_model
from emotrain.models.catalog import get_spec
from tests.evaluation.evalruns import write_run


def export_file(path: Path, name: str = "groove", *, seed: int = 0, **metadata) -> Path:
    """A verified export of a freshly initialised network: distinct seeds, distinct bytes."""
    torch.manual_seed(seed)
    model = get_spec(name).build().eval()
    export_model(model, path, metadata=metadata or None)
    return path


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    return tmp_path / "reg"


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    """A groove run folder: run_config.json, a split manifest and a best checkpoint."""
    return write_run(tmp_path / "run", "groovepredictor", samples=16, seq_len=4)
