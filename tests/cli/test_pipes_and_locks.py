"""A reader that closes stdout early, and two commands on one run folder, with real processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import TINY

ROOT = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _emotrain_with_stdout_closed(*args: str | Path, after_lines: int) -> tuple[int, str]:
    """Run the console script; read `after_lines` lines of stdout, then close it like `head`."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "emotrain", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
    )
    for _ in range(after_lines):
        proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    return proc.wait(timeout=180), err


def test_train_into_a_closed_pipe_finishes_quietly(tmp_path):
    out = tmp_path / "run"
    args = ["train", "-m", "groove", "--epochs", "12", *[a for a in TINY if a != "--quiet"]]
    code, err = _emotrain_with_stdout_closed(*args, "-o", out, after_lines=1)
    assert code == 0, err
    assert "Traceback" not in err and "BrokenPipe" not in err and "Broken pipe" not in err
    history = json.loads((out / "history/groovepredictor_history.json").read_text())
    assert history["status"] == "finished" and len(history["epochs"]) == 12
    assert (out / "groovepredictor.json").is_file()


@pytest.mark.parametrize("args", [["--help"], ["train", "--help"]], ids=["help", "train-help"])
def test_help_into_a_closed_pipe_is_silent(args):
    code, err = _emotrain_with_stdout_closed(*args, after_lines=0)
    assert (code, err) == (0, "")


def test_evaluate_into_a_closed_pipe_still_writes_its_report(tiny_run, tmp_path):
    code, err = _emotrain_with_stdout_closed(
        "evaluate",
        "--checkpoint-dir",
        tiny_run,
        "-o",
        tmp_path / "ev",
        "--device",
        "cpu",
        after_lines=0,
    )
    assert code == 0, err
    assert "Traceback" not in err and "Broken" not in err
    assert json.loads((tmp_path / "ev/evaluation_results.json").read_text())["models"]


HOLDER = textwrap.dedent(
    """
    import sys
    from emotrain.training.run_lock import run_folder_lock
    with run_folder_lock(sys.argv[1]):
        print("locked", flush=True)
        sys.stdin.read()
    """
)


@pytest.fixture
def holder(tmp_path):
    """Another process holding the lock of `tmp_path/run`, the way a running `train` does."""
    out = tmp_path / "run"
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(out)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    assert proc.stdout.readline().strip() == "locked"
    yield out, proc
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def test_a_second_command_on_a_locked_run_folder_is_refused(holder, cli):
    out, proc = holder
    for args in (["train", "-m", "groove", "--epochs", "1", *TINY], ["resume"]):
        argv = [args[0], out, *args[1:]] if args[0] == "resume" else [*args, "-o", out]
        result = cli(*argv)
        assert result.code == 1, result.err
        assert len(result.err_lines) == 1, result.err
        assert str(out) in result.err and f"pid {proc.pid}" in result.err
    assert sorted(p.name for p in out.iterdir()) == [".emotrain.lock"]  # nothing else written


def test_a_killed_holder_releases_the_lock(holder):
    from emotrain.training.run_lock import run_folder_lock

    out, proc = holder
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with run_folder_lock(out) as lock:  # no stale lock to remove by hand
        assert json.loads(lock.read_text())["pid"] == os.getpid()
    assert not list(out.iterdir())  # released: the lock file went with it


def test_a_folder_made_only_for_the_lock_is_removed_again(tmp_path):
    from emotrain.training.run_lock import run_folder_lock

    with run_folder_lock(tmp_path / "new") as lock:
        assert lock.parent.is_dir()
    assert not (tmp_path / "new").exists()
