"""Evaluation test helpers live in evalruns.py; the suite's importlib mode needs this folder on
sys.path for test modules to import them."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from evalruns import write_run


@pytest.fixture
def make_run(tmp_path: Path) -> Callable[..., Path]:
    def make(name: str = "groovepredictor", **kwargs) -> Path:
        root = tmp_path / "run"
        return write_run(root, name, **kwargs)

    return make
