"""Models nobody meant to ship are refused: an untrained checkpoint (epoch 0), the files of a run
that is still training, and a failed `registry add` leaves no registry behind."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch

from tests.conftest import TINY


@pytest.fixture(scope="module")
def untrained_run(tmp_path_factory) -> Path:
    """A run interrupted before its first epoch finished, as `train` leaves it."""
    from emotrain.cli import main
    from emotrain.training import model_trainer

    def interrupted(self):
        raise model_trainer.Interrupted

    out = tmp_path_factory.mktemp("untrained") / "run"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(model_trainer.ModelTrainer, "_loop", interrupted)
        assert main(["train", "-m", "groove", "--epochs", "3", "--output", str(out), *TINY]) == 130
    assert not (out / "checkpoints" / "groovepredictor_best.pt").exists()
    assert torch.load(out / "checkpoints" / "groovepredictor_latest.pt")["epoch"] == 0
    return out


def test_export_refuses_an_untrained_run_unless_allowed(cli, untrained_run, tmp_path):
    r = cli("export-rtneural", untrained_run, "-o", tmp_path / "out")
    assert r.code == 1
    assert "epoch 0 / untrained" in r.err and "--allow-untrained" in r.err
    assert f"`emotrain resume {untrained_run}`" in r.err  # a command that works
    assert not (tmp_path / "out" / "groovepredictor.json").exists()
    r = cli("export-rtneural", untrained_run, "-o", tmp_path / "out", "--allow-untrained")
    assert r.code == 0
    assert "EPOCH 0 / UNTRAINED" in r.err
    assert (tmp_path / "out" / "groovepredictor.json").is_file()


def test_registry_add_refuses_an_untrained_run_and_creates_nothing(cli, untrained_run, tmp_path):
    reg = tmp_path / "reg"
    r = cli("registry", "add", untrained_run, "--registry", reg)
    assert r.code == 1 and "epoch 0 / untrained" in r.err
    assert not reg.exists()
    r = cli("registry", "add", untrained_run, "--registry", reg, "--allow-untrained")
    assert r.code == 0 and "EPOCH 0 / UNTRAINED" in r.err
    r = cli("registry", "show", "groove@1", "--registry", reg, "--json")
    assert '"untrained": true' in r.out


def test_evaluate_refuses_an_untrained_run_like_export_and_registry(cli, untrained_run, tmp_path):
    out = tmp_path / "ev"
    r = cli("evaluate", "--checkpoint-dir", untrained_run, "-o", out)
    assert r.code == 1, r.err
    assert "epoch 0 / untrained" in r.err and "--allow-untrained" in r.err
    assert len(r.err_lines) == 1 and not (out / "evaluation_results.json").exists()
    r = cli("evaluate", "--checkpoint-dir", untrained_run, "-o", out, "--allow-untrained", "--json")
    assert r.code == 0, r.err
    import json

    notes = json.loads(r.out)["models"]["groovepredictor"]["notes"]
    assert notes[0].startswith("EPOCH 0 / UNTRAINED")


def _busy_copy(tiny_run: Path, tmp_path: Path, finished: bool) -> Path:
    run = tmp_path / "busy"
    shutil.copytree(tiny_run, run)
    latest = run / "checkpoints" / "groovepredictor_latest.pt"
    if not finished:  # as the files look between two epochs of a run that goes on
        ckpt = torch.load(latest, weights_only=True)
        torch.save({**ckpt, "finished": False}, latest)
    return run


@pytest.mark.parametrize("finished", [False, True])
def test_a_run_still_training_is_not_read(cli, tiny_run, tmp_path, finished):
    from emotrain.training.run_lock import run_folder_lock

    run = _busy_copy(tiny_run, tmp_path, finished)
    best = run / "checkpoints" / "groovepredictor_best.pt"
    with run_folder_lock(run):
        commands = {
            "add": ("registry", "add", run, "-m", "groove", "--registry", tmp_path / "reg"),
            "add file": ("registry", "add", best, "--registry", tmp_path / "reg2"),
            "export": ("export-rtneural", run, "-m", "groove", "-o", tmp_path / "x"),
            "evaluate": (
                "evaluate",
                "--checkpoint-dir",
                run,
                "-m",
                "groove",
                "-o",
                tmp_path / "ev",
            ),
        }
        for what, args in commands.items():
            r = cli(*args)
            if finished:  # that model's training ended: it can be read while the run goes on
                assert r.code == 0, (what, r.err)
            else:
                assert r.code == 1, (what, r.err)
                assert "still training" in r.err and "groovepredictor" in r.err, what
    assert not (tmp_path / "reg").exists() or finished
    r = cli("registry", "add", run, "-m", "groove", "--registry", tmp_path / "reg3")
    assert r.code == 0  # the lock is gone: the run can be read


@pytest.mark.parametrize("case", ["corrupt", "empty", "parent", "not-a-dict", "parent-shape"])
def test_a_failed_add_creates_no_registry(cli, tiny_run, tmp_path, case):
    reg = tmp_path / "reg"
    bad = tmp_path / "groovepredictor_best.pt"
    args: tuple = ()
    if case == "corrupt":
        bad.write_bytes((tiny_run / "checkpoints" / "groovepredictor_best.pt").read_bytes()[:200])
    elif case == "empty":
        bad = tmp_path / "empty"
        bad.mkdir()
    elif case == "not-a-dict":
        torch.save([1, 2, 3], bad)
    else:
        bad = tiny_run / "checkpoints" / "groovepredictor_best.pt"
        args = ("--parent", "groove@7" if case == "parent" else "groove@x")
    r = cli("registry", "add", bad, "--registry", reg, *args)
    assert r.code in (1, 2), r.err
    assert len(r.err_lines) == 1, r.err
    assert not reg.exists()


def test_a_bad_parent_in_an_existing_registry_stores_no_object(cli, tiny_run, tmp_path):
    reg = tmp_path / "reg"
    assert cli("registry", "add", tiny_run, "-m", "groove", "--registry", reg).code == 0
    before = sorted((reg / "objects").iterdir())
    r = cli("registry", "add", tiny_run, "-m", "melody", "--registry", reg, "--parent", "melody@4")
    assert r.code == 2 and "--parent" in r.err
    assert sorted((reg / "objects").iterdir()) == before


def test_evaluate_reports_the_good_models_beside_a_corrupt_one(cli, tiny_run, tmp_path):
    import json

    run = tmp_path / "run"
    shutil.copytree(tiny_run, run)
    bad = run / "checkpoints" / "melodytransformer_best.pt"
    bad.write_bytes(bad.read_bytes()[:300])
    out = tmp_path / "ev"
    r = cli("evaluate", "--checkpoint-dir", run, "-o", out)
    assert r.code == 1
    assert "melodytransformer" in r.err_lines[-1] and "groovepredictor" in r.err_lines[-1]
    assert "groovepredictor" in r.out  # the good model's table was printed
    assert "report written to" in r.err and "report written to" not in r.out
    report = json.loads((out / "evaluation_results.json").read_text())
    assert list(report["models"]) == ["groovepredictor"]
    assert "melodytransformer_best.pt" in report["failed"]["melodytransformer"]
