"""Liveness for the journal file (one machine): who runs a trial, and when a RUNNING trial has
nobody running it any more. Database storages use Optuna's own heartbeat instead (`rdb.py`).

Optuna leaves a trial RUNNING forever when its process dies. Every trial emotrain starts records its
owner (host, pid, the process's start time, a token) and a heartbeat a background thread refreshes.
A RUNNING trial is stale when its owner is gone: on this host, the pid no longer runs that process
(or, in this process, the command that owned it has returned); on another host, the heartbeat is
older than `STALE_AFTER_S`. A stale trial is then resumed from its own `latest.pt`, not restarted.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
import uuid
from typing import Any

OWNER_ATTR = "emotrain_owner"
HEARTBEAT_ATTR = "emotrain_heartbeat"
HEARTBEAT_EVERY_S = 20.0
STALE_AFTER_S = 120.0

#: Owner tokens of the commands running in this process (a test or a notebook may run several,
#: one after another: a trial left by an earlier one that returned is stale though the pid lives).
_LIVE_TOKENS: set[str] = set()


def _process_start(pid: int) -> str | None:
    """The kernel's start time of `pid` (Linux), so a recycled pid is not taken for the owner."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def host_name() -> str:
    """This machine's name as the study records it; EMOTRAIN_HOST overrides it (containers that
    share a host name, or tests that play several machines on one)."""
    return os.environ.get("EMOTRAIN_HOST") or socket.gethostname()


def new_owner() -> dict[str, Any]:
    token = uuid.uuid4().hex
    _LIVE_TOKENS.add(token)
    return {
        "host": host_name(),
        "pid": os.getpid(),
        "pid_start": _process_start(os.getpid()),
        "token": token,
    }


def release_owner(owner: dict[str, Any]) -> None:
    _LIVE_TOKENS.discard(owner["token"])


def _pid_runs(pid: int, pid_start: str | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return pid_start is None or _process_start(pid) in (None, pid_start)


def is_stale(trial: Any, now: float | None = None) -> bool:
    """`trial`: an Optuna FrozenTrial in state RUNNING."""
    now = time.time() if now is None else now
    owner = trial.user_attrs.get(OWNER_ATTR)
    beat = trial.user_attrs.get(HEARTBEAT_ATTR)
    if not isinstance(owner, dict):
        # Asked for but never claimed (a crash between the two): stale once it is old.
        started = trial.datetime_start.timestamp() if trial.datetime_start else 0.0
        return now - started > STALE_AFTER_S
    if owner.get("host") == host_name():
        if owner.get("pid") == os.getpid():
            return owner.get("token") not in _LIVE_TOKENS
        return not _pid_runs(int(owner.get("pid", -1)), owner.get("pid_start"))
    return not isinstance(beat, (int, float)) or now - beat > STALE_AFTER_S


def claim(storage: Any, trial_id: int, owner: dict[str, Any]) -> None:
    """Through the storage's public API: a Study cannot set attributes of a trial it did not ask."""
    storage.set_trial_user_attr(trial_id, OWNER_ATTR, owner)
    storage.set_trial_user_attr(trial_id, HEARTBEAT_ATTR, time.time())


class Heartbeat:
    """Refreshes the heartbeat of the trial this worker runs, from a daemon thread."""

    def __init__(self, storage: Any):
        self.storage = storage
        self.trial_id: int | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="emotrain-heartbeat", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(HEARTBEAT_EVERY_S):
            trial_id = self.trial_id
            if trial_id is not None:
                with contextlib.suppress(Exception):  # a finished trial refuses attrs: fine
                    self.storage.set_trial_user_attr(trial_id, HEARTBEAT_ATTR, time.time())

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
