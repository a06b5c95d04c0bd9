"""resume on a damaged run_config.json, and what it says about devices (in-process, tiny runs)."""

from __future__ import annotations

import shutil

import pytest
import torch

from emotrain.training.checkpoint import load_checkpoint, save_checkpoint
from tests.conftest import TINY

#: Recorded with `--device auto` (TINY says cpu), so resume meets "auto" in the checkpoint.
AUTO = [a for a in TINY if a not in ("--device", "cpu")]
LATEST = "checkpoints/groovepredictor_latest.pt"


@pytest.fixture(scope="module")
def two_epochs(tmp_path_factory):
    from emotrain.cli import main

    out = tmp_path_factory.mktemp("edges") / "run"
    assert main(["train", "-m", "groove", "--epochs", "2", *AUTO, "-o", str(out)]) == 0
    return out


@pytest.fixture
def run(two_epochs, tmp_path):
    copy = tmp_path / "run"
    shutil.copytree(two_epochs, copy)
    return copy


def test_a_corrupt_run_config_resumes_from_the_checkpoints_with_a_warning(run, cli):
    (run / "run_config.json").write_text("{not json")
    result = cli("resume", run, "--epochs", "3", "--quiet")
    assert result.code == 0, result.err
    assert f"{run / 'run_config.json'} is unreadable" in result.err
    assert "resuming from the checkpoints alone" in result.err
    assert load_checkpoint(run / LATEST)["epoch"] == 3


def test_auto_resolving_differently_is_said_in_one_line(run, cli):
    ckpt = load_checkpoint(run / LATEST)
    assert ckpt["device_type"] == "cpu" and ckpt["config"]["training"]["device"] == "auto"
    save_checkpoint(run / LATEST, {**ckpt, "device_type": "cuda"})  # as if trained on a GPU
    result = cli("resume", run, "--epochs", "3", "--quiet")
    assert result.code == 0, result.err
    said = [line for line in result.err_lines if "--device auto" in line]
    assert said == [
        "warning: [groovepredictor] --device auto was cuda when the run was recorded and is cpu here: "
        "results may differ in the last bits from an uninterrupted run"
    ]


def test_auto_resolving_the_same_says_nothing(run, cli):
    result = cli("resume", run, "--epochs", "3", "--quiet")
    assert result.code == 0, result.err
    assert "--device auto" not in result.err and "device changed" not in result.err


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_an_absent_device_is_the_only_line(run, cli):
    result = cli("resume", run, "--device", "cuda", "--epochs", "3")
    assert result.code == 2
    assert result.err_lines == [
        "error: --device cuda: no CUDA GPU is available here; use --device cpu or auto"
    ]


def _truncate(path) -> None:
    path.write_bytes(path.read_bytes()[:300])


def test_the_recovery_hint_is_a_command_that_works(run, cli):
    """Only latest broken: `--from best` is offered (and works); both broken: `train ...
    --overwrite` is offered (and works), never the `--from best` that would fail."""
    import shlex

    _truncate(run / LATEST)
    r = cli("resume", run, "--epochs", "3")
    assert r.code == 1 and "--from best" in r.err
    _truncate(run / "checkpoints/groovepredictor_best.pt")
    r = cli("resume", run, "--epochs", "3")
    assert r.code == 1 and "--from best" not in r.err
    hint = r.err.split("`")[1]
    assert hint.startswith("emotrain train ") and "--overwrite" in hint
    assert cli(*shlex.split(hint)[1:], "--quiet").code == 0
    assert load_checkpoint(run / LATEST)["epoch"] == 2
