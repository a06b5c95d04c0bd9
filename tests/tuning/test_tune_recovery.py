"""Crashes and interruptions: a SIGKILLed study resumes its RUNNING trial bit for bit; Ctrl-C exits
130 and the same command continues; two workers share one SQLite study without collisions."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.tuning.tune_helpers import STUDY_ARGS, TUNE, comparable, history, rows, write_space

KILL = Path(__file__).with_name("kill_tune.py")
ROOT = Path(__file__).resolve().parents[2]


def _killed(signal_name: str, trial: int, epoch: int, args: list) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(KILL), signal_name, str(trial), str(epoch), "--", *map(str, args)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def _optuna_trials(out: Path) -> list:
    import optuna

    spec = json.loads((out / "study.json").read_text())
    from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock, JournalStorage

    path = spec["storage"].removeprefix("journal:")
    storage = JournalStorage(JournalFileBackend(path, lock_obj=JournalFileOpenLock(path)))
    return optuna.load_study(study_name=spec["study_name"], storage=storage).get_trials()


def test_sigkilled_trial_is_resumed_bit_exact_by_the_next_command(study, cli, tmp_path):
    """`study` ran the same options (4 trials) without a kill: the reference."""
    space = write_space(tmp_path)
    args = ["tune", *TUNE, *STUDY_ARGS, "--space", space]
    reference = study

    out = tmp_path / "killed"
    killed = _killed("KILL", 1, 2, [*args, "--trials", "3", "--output", out])
    assert killed.returncode == -9, killed.stderr
    states = {t.number: t.state.name for t in _optuna_trials(out)}
    assert states == {0: "COMPLETE", 1: "RUNNING"}  # Optuna alone would leave it so forever

    result = cli(*args, "--trials", "3", "--output", out)
    assert result.code == 0, result.err
    trials = _optuna_trials(out)
    assert [t.state.name for t in trials] == ["COMPLETE", "COMPLETE", "COMPLETE"]
    assert trials[1].user_attrs["emotrain_resumed"] == 1  # continued, not restarted
    # the same numbers, parameters and values as the study that was never killed
    assert comparable(out) == comparable(reference)[:3]
    for n in ("0", "1", "2"):
        a, b = history(out / "trials" / n), history(reference / "trials" / n)
        assert [r["val_loss"] for r in a["epochs"]] == [r["val_loss"] for r in b["epochs"]]
        assert [r["train_loss"] for r in a["epochs"]] == [r["train_loss"] for r in b["epochs"]]
    assert sorted(p.name for p in (out / "trials").iterdir()) == ["0", "1", "2"]


@pytest.mark.parametrize(("sig", "code"), [("INT", 130), ("TERM", 143)])
def test_a_stop_signal_exits_128_plus_it_and_the_same_command_resumes(cli, tmp_path, sig, code):
    """Ctrl-C, and SIGTERM as `timeout`, Slurm or systemd send it, leave the trial resumable."""
    space = write_space(tmp_path)
    out = tmp_path / "s"
    args = ["tune", *TUNE, "--epochs", "3", "--space", space, "--trials", "1", "--output", out]
    interrupted = _killed(sig, 0, 2, args)
    assert interrupted.returncode == code, interrupted.stderr
    assert "same command" in interrupted.stderr and "Traceback" not in interrupted.stderr
    assert [t.state.name for t in _optuna_trials(out)] == ["RUNNING"]
    assert history(out / "trials" / "0")["status"] == "interrupted"
    result = cli(*args)
    assert result.code == 0, result.err
    assert [r["state"] for r in rows(out)] == ["COMPLETE"]
    assert history(out / "trials" / "0")["status"] == "finished"


def test_two_workers_on_one_sqlite_storage_finish_one_study(cli, tmp_path):
    space = write_space(tmp_path)
    out = tmp_path / "s"
    db = tmp_path / "study.db"
    result = cli("tune", *TUNE, "--epochs", "1", "--space", space, "--trials", "3",
                 "--workers", "2", "--pruner", "hyperband", "--storage", f"sqlite:///{db}",
                 "--output", out)  # fmt: skip
    assert result.code == 0, result.err
    table = rows(out)
    numbers = [int(r["number"]) for r in table]
    assert numbers == sorted(set(numbers)) == [0, 1, 2]  # no duplicates, no overshoot
    assert all(r["state"] in ("COMPLETE", "PRUNED") for r in table)
    folders = sorted(int(p.name) for p in (out / "trials").iterdir())
    assert folders == numbers
    for n in folders:
        record = json.loads((out / "trials" / str(n) / "tune_trial.json").read_text())
        assert record["trial_number"] == n and record["storage"] == f"sqlite:///{db}"
    assert json.loads((out / "study.json").read_text())["storage"] == f"sqlite:///{db}"


@pytest.mark.parametrize("case", ["folder per machine", "unreadable checkpoint"])
def test_a_retry_that_cannot_read_the_trials_checkpoints_restarts_it_and_says_why(
    cli, tmp_path, monkeypatch, case
):
    """Machine 1 is killed in trial 0; the next command finds it stale by Optuna's heartbeat,
    retries it, cannot read its checkpoints (its folder is on machine 1, or is damaged) and trains
    it from epoch 0, recording why."""
    import optuna

    monkeypatch.setenv("EMOTRAIN_TUNE_HEARTBEAT_S", "1")
    monkeypatch.setenv("EMOTRAIN_TUNE_GRACE_S", "2")
    space = write_space(tmp_path)
    db = f"sqlite:///{tmp_path / 'study.db'}"
    args = ["tune", *TUNE, "--epochs", "2", "--space", space, "--trials", "1", "--pruner", "none",
            "--storage", db, "--study-name", "split"]  # fmt: skip
    killed = _killed("KILL", 0, 2, [*args, "--output", tmp_path / "m1"])
    assert killed.returncode == -9, killed.stderr
    out = tmp_path / ("m2" if case == "folder per machine" else "m1")
    if case == "unreadable checkpoint":
        for ckpt in (tmp_path / "m1" / "trials" / "0" / "checkpoints").glob("*.pt"):
            ckpt.write_bytes(b"not a checkpoint")
    result = cli(*args, "--output", out)
    assert result.code == 0, result.err
    trials = optuna.load_study(study_name="split", storage=db).get_trials()
    assert [t.state.name for t in trials] == ["FAIL", "COMPLETE"]
    note = trials[1].user_attrs["note"]
    assert trials[1].user_attrs["emotrain_retry_of"] == 0 and "restarted from epoch 0" in note
    why = "not on this machine" if case == "folder per machine" else "unreadable"
    record = json.loads((out / "trials" / "1" / "tune_trial.json").read_text())
    assert record["retry_of"] == 0 and why in record["retry_note"]
    assert len(history(out / "trials" / "1")["epochs"]) == 2
    assert rows(out)[1]["retry_of"] == "0"


def test_ctrl_c_on_a_database_hands_the_trial_back_and_the_retry_continues_it(cli, tmp_path):
    """With a database, Ctrl-C fails the trial and queues Optuna's retry at once (the next command
    does not wait out the grace period); the retry continues from the interrupted epoch."""
    import optuna

    space = write_space(tmp_path)
    out, db = tmp_path / "s", f"sqlite:///{tmp_path / 'study.db'}"
    args = ["tune", *TUNE, "--epochs", "3", "--space", space, "--trials", "1", "--storage", db,
            "--study-name", "ctrl-c", "--output", out]  # fmt: skip
    interrupted = _killed("INT", 0, 2, args)
    assert interrupted.returncode == 130, interrupted.stderr
    assert "queued for retry" in interrupted.stderr
    states = [t.state.name for t in optuna.load_study(study_name="ctrl-c", storage=db).trials]
    assert states == ["FAIL", "WAITING"]
    before = history(out / "trials" / "0")["epochs"]
    assert 1 <= len(before) < 3
    result = cli(*args)
    assert result.code == 0, result.err
    assert [(r["state"], r["retry_of"]) for r in rows(out)] == [("FAIL", ""), ("COMPLETE", "0")]
    after = history(out / "trials" / "1")
    assert after["status"] == "finished" and after["epochs"][: len(before)] == before  # not redone
