"""Shared fixtures: run the real CLI in-process, and tiny real training runs."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
if os.environ.get("PYTEST_XDIST_WORKER"):
    # Under `-n 2` each worker gets one core: two workers each asking torch for both cores would
    # slow each other down. Set before torch is imported, and inherited by CLI subprocesses.
    os.environ.setdefault("OMP_NUM_THREADS", "1")

#: Options for a training run that takes a second or two on a 2-core CPU.
TINY = ["--samples", "24", "--seq-len", "4", "--batch-size", "8", "--device", "cpu", "--quiet"]


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]


@pytest.fixture
def cli(capsys):
    """Run `emotrain ARGS...` through `emotrain.cli.main`, the console script's entry point."""
    from emotrain.cli import main

    def run(*args: str | Path) -> CliResult:
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> Path:
    """One finished run of a dense and a recurrent model, shared by read-only tests."""
    from emotrain.cli import main

    out = tmp_path_factory.mktemp("tiny") / "run"
    code = main(["train", "--model", "groove,melody", "--epochs", "3", "--output", str(out), *TINY])
    assert code == 0
    return out
