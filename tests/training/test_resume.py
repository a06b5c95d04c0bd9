"""Kill a real training process at several points, resume it, and demand the uninterrupted result."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from emotrain.training.checkpoint import load_checkpoint
from tests.conftest import TINY

RUNNER = Path(__file__).with_name("kill_runner.py")
ROOT = Path(__file__).resolve().parents[2]
ARGS = ["train", "-m", "melody", "--epochs", "5", "--early-stopping-patience", "3", *TINY]
NAME = "melodytransformer"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _emotrain(*args: str | Path, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "emotrain", *map(str, args)],
        capture_output=True,
        text=True,
        env=_env(),
    )
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def _same(a, b) -> bool:
    if torch.is_tensor(a):
        return torch.is_tensor(b) and a.dtype == b.dtype and torch.equal(a, b)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def _rows(history: dict) -> list[dict]:
    timing = ("epoch_time_s", "samples_per_s")
    return [{k: v for k, v in r.items() if k not in timing} for r in history["epochs"]]


def assert_same_run(got: Path, want: Path) -> None:
    for kind in ("latest", "best"):
        a = load_checkpoint(got / f"checkpoints/{NAME}_{kind}.pt")
        b = load_checkpoint(want / f"checkpoints/{NAME}_{kind}.pt")
        assert a["epoch"] == b["epoch"], kind
        for key in (
            "model_state_dict",
            "optimizer_state_dict",
            "scheduler_state_dict",
            "early_stopping",
            "best_epoch",
            "best_val_loss",
            "val_metrics",
            "finished",
            "split",
        ):
            assert _same(a[key], b[key]), (kind, key)
        assert _rows(a["metrics"]) == _rows(b["metrics"]), kind
    ha = json.loads((got / f"history/{NAME}_history.json").read_text())
    hb = json.loads((want / f"history/{NAME}_history.json").read_text())
    assert _rows(ha) == _rows(hb)
    assert (ha["best_epoch"], ha["status"]) == (hb["best_epoch"], hb["status"])
    csv_a = (got / f"history/{NAME}_history.csv").read_text().splitlines()
    assert len(csv_a) == len(hb["epochs"]) + 1
    ea = json.loads((got / f"{NAME}.json").read_text())
    eb = json.loads((want / f"{NAME}.json").read_text())
    assert ea["layers"] == eb["layers"]


def sigkilled(out: Path, point: str, epoch: int, args: list[str]) -> None:
    """`emotrain train *args -o out` SIGKILLed at `point` of `epoch` (kill_runner.py)."""
    proc = subprocess.run(
        [sys.executable, str(RUNNER), point, str(epoch), "--", *args, "-o", str(out)],
        capture_output=True,
        text=True,
        env=_env(),
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr


def killed_then_resumed(out: Path, point: str, epoch: int, args: list[str]) -> None:
    """`sigkilled`, then `emotrain resume out`, which must finish without a traceback."""
    sigkilled(out, point, epoch, args)
    resumed = _emotrain("resume", out, "--quiet")
    assert "Traceback" not in resumed.stderr


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ref") / "run"
    _emotrain(*ARGS, "-o", out)
    return out


@pytest.mark.parametrize(
    ("point", "epoch"),
    [("mid-epoch", 1), ("mid-epoch", 3), ("after-latest", 2), ("mid-write", 3), ("after-best", 2)],
)
def test_sigkill_then_resume_is_bit_exact(tmp_path, reference, point, epoch):
    out = tmp_path / "run"
    killed_then_resumed(out, point, epoch, ARGS)
    assert_same_run(out, reference)
    assert not list(out.rglob("*.tmp"))  # stale temp files of the crash are cleaned up


def test_external_sigkill_at_an_arbitrary_moment(tmp_path, reference):
    out = tmp_path / "run"
    proc = subprocess.Popen(
        [sys.executable, "-m", "emotrain", *ARGS, "-o", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=_env(),
    )
    deadline = time.monotonic() + 60
    history = out / f"history/{NAME}_history.json"
    while time.monotonic() < deadline and proc.poll() is None and not history.exists():
        time.sleep(0.01)
    time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    _emotrain("resume", out, "--quiet")
    assert_same_run(out, reference)


@pytest.mark.parametrize(
    ("signum", "check_resume"),
    [(signal.SIGINT, True), (signal.SIGTERM, True), (signal.SIGHUP, False)],
    ids=["ctrl-c", "sigterm", "sighup"],
)
def test_stop_signal_saves_and_says_how_to_resume(tmp_path, reference, signum, check_resume):
    """Ctrl-C, and what `timeout`, Slurm, `docker stop` (TERM) and a closed terminal (HUP) send."""
    out = tmp_path / "run"
    proc = subprocess.Popen(
        [sys.executable, "-m", "emotrain", *[a for a in ARGS if a != "--quiet"], "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    for line in proc.stdout:
        if line.startswith(f"[{NAME}] epoch 2/"):
            proc.send_signal(signum)
            break
    _, err = proc.communicate(timeout=120)
    if proc.returncode == 0:
        pytest.skip("training finished before the signal arrived")
    assert proc.returncode == 128 + signum, err
    assert f"emotrain resume {out}" in err
    assert "Traceback" not in err
    assert load_checkpoint(out / f"checkpoints/{NAME}_latest.pt")["epoch"] >= 2
    history = json.loads((out / f"history/{NAME}_history.json").read_text())
    assert history["status"] == "interrupted"
    assert not (out / ".emotrain.lock").exists()  # the run-folder lock went with the process
    if check_resume:
        _emotrain("resume", out, "--quiet")
        assert_same_run(out, reference)


def test_finished_run_is_left_untouched(reference, tmp_path):
    files = {p: p.read_bytes() for p in reference.rglob("*") if p.is_file()}
    proc = _emotrain("resume", reference)
    assert "already finished" in proc.stdout
    assert {p: p.read_bytes() for p in reference.rglob("*") if p.is_file()} == files


def test_extending_epochs_matches_a_longer_run(tmp_path):
    short, long = tmp_path / "short", tmp_path / "long"
    base = ["train", "-m", "groove", *TINY]
    _emotrain(*base, "--epochs", "2", "-o", short)
    _emotrain(*base, "--epochs", "4", "-o", long)
    _emotrain("resume", short, "--epochs", "4", "--quiet")
    a = load_checkpoint(short / "checkpoints/groovepredictor_latest.pt")
    b = load_checkpoint(long / "checkpoints/groovepredictor_latest.pt")
    assert a["epoch"] == 4
    assert _same(a["model_state_dict"], b["model_state_dict"])
    assert _rows(a["metrics"]) == _rows(b["metrics"])


def test_changing_the_data_or_split_is_refused(reference, cli):
    for args, flag in (
        (["--seed", "7"], "--seed"),
        (["--validation-split", "0.5"], "--validation-split"),
        (["--samples", "99"], "--samples"),
    ):
        result = cli("resume", reference, *args)
        assert result.code == 2
        assert flag in result.err and "cannot change" in result.err
        assert len(result.err_lines) == 1


def _partial_run(tmp_path: Path) -> Path:
    out = tmp_path / "run"
    proc = subprocess.run(
        [sys.executable, str(RUNNER), "after-latest", "2", "--", *ARGS, "-o", str(out)],
        capture_output=True,
        text=True,
        env=_env(),
    )
    assert proc.returncode == -signal.SIGKILL
    return out


def test_corrupt_latest_points_to_best_then_best_works(tmp_path, cli):
    out = _partial_run(tmp_path)
    latest = out / f"checkpoints/{NAME}_latest.pt"
    latest.write_bytes(latest.read_bytes()[:1000])
    result = cli("resume", out, "--quiet")
    assert result.code == 1
    assert str(latest) in result.err and "--from best" in result.err
    assert len(result.err_lines) == 1
    result = cli("resume", out, "--from", "best", "--quiet")
    assert result.code == 0, result.err
    assert load_checkpoint(latest)["epoch"] == 5


class _Evil:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_malicious_checkpoint_is_refused_by_resume(tmp_path, cli):
    out = _partial_run(tmp_path)
    marker = tmp_path / "code-ran"
    ckpt = load_checkpoint(out / f"checkpoints/{NAME}_latest.pt")
    ckpt["payload"] = _Evil(marker)
    torch.save(ckpt, out / f"checkpoints/{NAME}_latest.pt")
    result = cli("resume", out, "--quiet")
    assert result.code == 1
    assert "refusing to load" in result.err
    assert not marker.exists()


def test_checkpoint_of_another_model_is_refused(tmp_path, cli):
    out = _partial_run(tmp_path)
    other = tmp_path / "other"
    _emotrain("train", "-m", "groove", "--epochs", "1", *TINY, "-o", other)
    (out / f"checkpoints/{NAME}_latest.pt").write_bytes(
        (other / "checkpoints/groovepredictor_latest.pt").read_bytes()
    )
    result = cli("resume", out, "--quiet")
    assert result.code == 1
    assert "groovepredictor" in result.err and NAME in result.err


def test_old_pipeline_checkpoint_resumes_with_a_warning(tmp_path, cli):
    from emotrain.models import get_spec

    out = tmp_path / "old"
    model = get_spec("groove").build()
    names = ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"]
    state = dict(zip(names, model.state_dict().values(), strict=True))
    (out / "checkpoints").mkdir(parents=True)
    torch.save(
        {
            "epoch": 1,
            "model_state_dict": state,
            "optimizer_state_dict": {},
            "metrics": {"train_loss": [0.3]},
            "model_name": "groove_predictor",
        },
        out / "checkpoints/groovepredictor_latest.pt",
    )
    result = cli("resume", out, "--epochs", "3", "--samples", "24", "--quiet")
    assert result.code == 0, result.err
    assert "original training scripts" in result.out + result.err
    history = json.loads((out / "history/groovepredictor_history.json").read_text())
    assert [r["epoch"] for r in history["epochs"]] == [2, 3]
    assert (out / "groovepredictor.json").is_file()


def test_resume_of_a_missing_folder_is_a_usage_error(tmp_path, cli):
    result = cli("resume", tmp_path / "nope")
    assert result.code == 2
    assert "nope" in result.err


def test_full_disk_mid_training_keeps_the_last_good_checkpoint(
    tmp_path, reference, cli, monkeypatch
):
    """ENOSPC from the writer while epoch 3's latest checkpoint is written: one line, exit 1, the
    epoch-2 checkpoint intact, no temp file left, and resume still reaches the reference result."""
    import errno

    import emotrain.io as eio

    real_fsync = eio.os.fsync
    seen = {"latest": 0}

    def fsync(fd):
        target = os.readlink(f"/proc/self/fd/{fd}") if isinstance(fd, int) else ""
        if f".{NAME}_latest.pt." in target:
            seen["latest"] += 1
            if seen["latest"] == 4:  # epochs 0, 1, 2 succeed; epoch 3 hits a full disk
                raise OSError(errno.ENOSPC, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr(eio.os, "fsync", fsync)
    out = tmp_path / "run"
    result = cli(*ARGS, "-o", out)
    monkeypatch.setattr(eio.os, "fsync", real_fsync)
    assert result.code == 1
    assert len(result.err_lines) == 1 and "No space left on device" in result.err
    assert f"{NAME}_latest.pt" in result.err
    assert load_checkpoint(out / f"checkpoints/{NAME}_latest.pt")["epoch"] == 2
    assert not list(out.rglob("*.tmp"))
    assert cli("resume", out, "--quiet").code == 0
    assert_same_run(out, reference)


def _kill(point: str, epoch: int, args: list[str], out: Path) -> None:
    proc = subprocess.run([sys.executable, str(RUNNER), point, str(epoch), "--", *args, "-o", str(out)],
                          capture_output=True, text=True, env=_env())  # fmt: skip
    assert proc.returncode == -signal.SIGKILL, proc.stderr


def test_models_that_never_started_are_trained_by_resume(tmp_path):
    """Killed inside the first of two models: resume finishes it and starts the second."""
    args = ["train", "-m", "dynamics,groove", "--epochs", "3", *TINY]
    reference, out = tmp_path / "ref", tmp_path / "run"
    _emotrain(*args, "-o", reference)
    _kill("after-latest", 2, args, out)
    assert not (out / "checkpoints/groovepredictor_latest.pt").exists()
    proc = _emotrain("resume", out)
    assert "had not started" in proc.stdout
    for name in ("dynamicsengine", "groovepredictor"):
        a = load_checkpoint(out / f"checkpoints/{name}_latest.pt")
        b = load_checkpoint(reference / f"checkpoints/{name}_latest.pt")
        assert a["epoch"] == 3 and _same(a["model_state_dict"], b["model_state_dict"]), name
        assert (out / f"{name}.json").is_file()
    assert "already finished" in _emotrain("resume", out).stdout


def test_a_run_killed_before_its_export_gets_it_on_resume(tmp_path, reference):
    out = tmp_path / "run"
    _kill("before-export", 0, ARGS, out)
    assert not (out / f"{NAME}.json").exists()
    assert load_checkpoint(out / f"checkpoints/{NAME}_latest.pt")["finished"] is True
    proc = _emotrain("resume", out)
    assert "export had not been written" in proc.stdout
    assert_same_run(out, reference)
    assert (out / f"plots/{NAME}_loss.png").is_file()


def test_shortening_epochs_to_what_is_done_finishes_the_run(tmp_path):
    out = _partial_run(tmp_path)  # killed after epoch 2 of 5
    proc = _emotrain("resume", out, "--epochs", "2")
    assert "export had not been written" in proc.stdout
    history = json.loads((out / f"history/{NAME}_history.json").read_text())
    assert history["status"] == "finished" and len(history["epochs"]) == 2
    assert load_checkpoint(out / f"checkpoints/{NAME}_latest.pt")["finished"] is True
    assert (out / f"{NAME}.json").is_file()


def test_from_best_on_a_finished_run_changes_nothing(reference):
    files = {p: p.read_bytes() for p in reference.rglob("*") if p.is_file()}
    proc = _emotrain("resume", reference, "--from", "best")
    assert "already finished" in proc.stdout
    assert {p: p.read_bytes() for p in reference.rglob("*") if p.is_file()} == files


def test_model_not_in_the_run_is_a_usage_error(reference, cli):
    result = cli("resume", reference, "--model", "groove")
    assert result.code == 2
    assert "has no groovepredictor" in result.err and NAME in result.err


@pytest.mark.parametrize(
    ("key", "value", "needle"),
    [
        ("model_state_dict", [1, 2, 3], "checkpoint"),
        ("rng", {"torch": "not a tensor"}, "training state is unreadable"),
        ("split", {"train": [], "val": []}, "both need at least one"),
        ("config", {"training": {"epochs": "x"}}, "recorded configuration"),
    ],
)
def test_hand_edited_checkpoint_fields_are_one_clear_error(tmp_path, cli, key, value, needle):
    out = _partial_run(tmp_path)
    path = out / f"checkpoints/{NAME}_latest.pt"
    ckpt = load_checkpoint(path)
    ckpt[key] = value
    torch.save(ckpt, path)
    result = cli("resume", out, "--quiet")
    assert result.code in (1, 2), result.err
    assert len(result.err_lines) == 1 and needle in result.err
    assert "internal error" not in result.err
