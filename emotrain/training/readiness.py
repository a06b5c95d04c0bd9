"""Is a checkpoint fit to be read as a trained model? The one place readers ask it.

`export-rtneural`, `registry add` and `evaluate` read checkpoints that `train` wrote. Two kinds
look like any other file but are not a model anyone meant to ship: the `latest.pt` a run writes
before its first epoch (random initial weights, epoch 0), and the files of a run that is still
training (its `best.pt` moves on every improving epoch). Both are refused here, in one wording.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from emotrain.errors import CheckpointError, TrainingError
from emotrain.runs.paths import CHECKPOINTS, RunPaths

UNTRAINED_OPTION = "--allow-untrained"


def is_untrained(ckpt: dict[str, Any]) -> bool:
    """An emotrain checkpoint that never finished an epoch. The old scripts' files count epochs
    their own way, so they are never judged by it."""
    from emotrain.runs.checkpoint import Checkpoint

    return Checkpoint.from_dict(ckpt).untrained


def untrained_note(path: str | Path) -> str:
    return f"EPOCH 0 / UNTRAINED: {path} holds the random initial weights"


def check_trained(ckpt: dict[str, Any], path: str | Path, *, allow_untrained: bool) -> str:
    """'' for a trained checkpoint; the loud note for an untrained one that `allow_untrained`
    lets through; else a CheckpointError that says what to do."""
    if not is_untrained(ckpt):
        return ""
    if allow_untrained:
        return untrained_note(path)
    run = run_dir_of(path) if Path(path).suffix != ".json" else None
    raise CheckpointError(
        f"{path}: epoch 0 / untrained: its run stopped before the first epoch finished, so it "
        f"holds random initial weights; train it (`emotrain resume {run or 'RUN_DIR'}`) or pass "
        f"{UNTRAINED_OPTION} to use it anyway"
    )


def run_dir_of(path: str | Path) -> Path | None:
    """The run folder a checkpoint or folder belongs to: itself, or the parent of `checkpoints/`."""
    p = Path(path)
    if p.is_file():
        p = p.parent
    if p.name == CHECKPOINTS:
        return p.parent
    return p if RunPaths(p).checkpoints_dir.is_dir() else None


def training_holder(run_dir: str | Path) -> str | None:
    """Who is training in `run_dir` now ("pid N on HOST"), or None when nobody holds its lock.

    Probes the lock `train` and `resume` hold (training/run_lock.py) with a shared, non-blocking
    lock that is let go at once; it never makes or removes the lock file.
    """
    from emotrain.training import run_lock

    path = Path(run_dir) / run_lock.LOCK_FILE
    if run_lock.fcntl is None or not path.is_file():
        return None
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            run_lock.fcntl.flock(fd, run_lock.fcntl.LOCK_SH | run_lock.fcntl.LOCK_NB)
        except BlockingIOError:
            return run_lock.lock_holder(path)
        with contextlib.suppress(OSError):
            run_lock.fcntl.flock(fd, run_lock.fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _finished(run_dir: Path, name: str) -> bool:
    """The model's own training ended (its last checkpoint says so), while the run goes on."""
    from emotrain.training.checkpoint import load_checkpoint

    latest = RunPaths(run_dir).checkpoint(name, "latest")
    try:
        return bool(load_checkpoint(latest).get("finished"))
    except CheckpointError:
        return False


def check_not_training(source: str | Path, names: list[str]) -> None:
    """Refuse to read models of a run that is still training, unless each has finished; the
    refusal names the holder and the models that could be read now."""
    run_dir = run_dir_of(source)
    if run_dir is None:
        return
    holder = training_holder(run_dir)
    if holder is None:
        return
    busy = [n for n in names if not _finished(run_dir, n)]
    if not busy:
        return
    done = [n for n in names if n not in busy]
    hint = f"; finished already: {', '.join(done)} (select with --model)" if done else ""
    raise TrainingError(
        f"{run_dir} is still training ({holder}): the checkpoints of {', '.join(busy)} are not "
        f"final; wait for the run to end, or stop it first{hint}"
    )
