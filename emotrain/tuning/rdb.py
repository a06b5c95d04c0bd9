"""Optuna's database storage as a study on many machines uses it: liveness, locks, trial ids.

Liveness is Optuna's own: `RDBStorage(heartbeat_interval, grace_period,
heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback)`. A running trial's worker
records a heartbeat in the database; `optuna.storages.fail_stale_trials` turns a trial whose
heartbeat is older than the grace period into FAIL, an atomic state change in the database that
exactly one worker wins, and that winner's callback queues a WAITING copy (same parameters and
reported epochs) that the next `study.ask()` anywhere pops, again atomically.

What Optuna leaves to us, and why this module does it:
- the heartbeat thread: Optuna starts one only inside `Study.optimize`, and its thread dies at the
  first database error; ours outlives a dropped connection, and tells the trial it has been away
  longer than the grace period (another worker may run its retry by then: it must stop);
- one lock per study in the database (PostgreSQL advisory lock, MySQL GET_LOCK) around "count the
  finished trials, then ask one", so machines never overshoot `--trials`, and around creating the
  schema and the study, which Optuna does not make race-free;
- trial ids: Optuna's public `Trial`/`FrozenTrial` carry no public id; the storage's public
  `get_study_id_from_name` and `get_trial_id_from_study_id_trial_number` give it.

Heartbeat and grace period default to 30 s and 120 s; the environment variables
EMOTRAIN_TUNE_HEARTBEAT_S and EMOTRAIN_TUNE_GRACE_S set them (every machine of a study the same).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HEARTBEAT_S = 30
GRACE_S = 120


def heartbeat_settings() -> tuple[int, int]:
    beat = int(os.environ.get("EMOTRAIN_TUNE_HEARTBEAT_S", HEARTBEAT_S))
    grace = int(os.environ.get("EMOTRAIN_TUNE_GRACE_S", max(GRACE_S, 2 * beat)))
    return max(1, beat), max(1, grace)


def is_rdb(url: str) -> bool:
    return not url.startswith("journal:")


def dialect(url: str) -> str:
    return url.split("://", 1)[0].split("+", 1)[0]


def open_rdb(url: str) -> Any:
    """The storage with Optuna's heartbeat and retry callback; schema creation under the lock."""
    from optuna.storages import RDBStorage, RetryHeartbeatStaleTrialCallback

    beat, grace = heartbeat_settings()
    kwargs: dict[str, Any] = {}
    if dialect(url) != "sqlite":
        # pool_pre_ping: reconnect after a network drop; an unreachable host fails in seconds.
        kwargs["engine_kwargs"] = {"pool_pre_ping": True, "connect_args": _connect_args(url)}
    with optuna_quiet(), study_lock(url, "emotrain-schema"):
        return RDBStorage(
            url,
            heartbeat_interval=beat,
            grace_period=grace,
            heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback(
                inherit_intermediate_values=True
            ),
            **kwargs,
        )


@contextlib.contextmanager
def optuna_quiet() -> Iterator[None]:
    import warnings

    import optuna

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        warnings.simplefilter("ignore", FutureWarning)
        warnings.filterwarnings("ignore", message="Heartbeat of storage is supposed")
        yield


_ENGINES: dict[str, Any] = {}
CONNECT_TIMEOUT_S = 10


def _connect_args(url: str) -> dict[str, Any]:
    return {"connect_timeout": CONNECT_TIMEOUT_S} if dialect(url) in ("postgresql", "mysql") else {}


def _lock_engine(url: str) -> Any:
    import sqlalchemy
    from sqlalchemy.pool import NullPool

    if url not in _ENGINES:
        _ENGINES[url] = sqlalchemy.create_engine(
            url, poolclass=NullPool, connect_args=_connect_args(url)
        )
    return _ENGINES[url]


def _key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextlib.contextmanager
def study_lock(url: str, name: str) -> Iterator[None]:
    """Held by one process of all machines at a time (PostgreSQL, MySQL: a lock in the server,
    released with the connection if the process dies); SQLite and the journal file are on one
    host, where a file lock beside the temporary folder does it."""
    kind = dialect(url)
    if kind in ("postgresql", "mysql", "mariadb"):
        import sqlalchemy

        with _lock_engine(url).connect() as conn:
            if kind == "postgresql":
                # A holder cut off by the network (its session open on the server until TCP
                # notices, hours) would block every machine: the server ends such a session,
                # and so frees the lock, once it idles in its transaction this long.
                hold_s = max(60, heartbeat_settings()[1])
                conn.execute(
                    sqlalchemy.text(f"SET idle_in_transaction_session_timeout = {hold_s * 1000}")
                )
                conn.execute(sqlalchemy.text("SELECT pg_advisory_lock(:k)"), {"k": _key(name)})
            else:
                conn.execute(sqlalchemy.text("SELECT GET_LOCK(:n, -1)"), {"n": name[:64]})
            try:
                yield
            finally:
                with contextlib.suppress(Exception):  # a dropped connection released it already
                    if kind == "postgresql":
                        conn.execute(
                            sqlalchemy.text("SELECT pg_advisory_unlock(:k)"), {"k": _key(name)}
                        )
                    else:
                        conn.execute(sqlalchemy.text("SELECT RELEASE_LOCK(:n)"), {"n": name[:64]})
        return
    with host_lock(lock_path(url, name)):
        yield


def lock_path(storage: str, name: str) -> Path:
    import tempfile

    digest = hashlib.sha256(f"{storage}\n{name}".encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"emotrain-tune-{digest}.lock"


@contextlib.contextmanager
def host_lock(path: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with open(path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def trial_id(storage: Any, study_name: str, number: int) -> int:
    """The storage's id of trial `number`, through the storage's public lookups."""
    study_id = storage.get_study_id_from_name(study_name)
    return storage.get_trial_id_from_study_id_trial_number(study_id, number)


def fail_stale(study: Any) -> None:
    from optuna.storages import fail_stale_trials

    with optuna_quiet():
        fail_stale_trials(study)


def retry_history(frozen: Any) -> list[int]:
    from optuna.storages import RetryHeartbeatStaleTrialCallback

    with optuna_quiet():
        return list(RetryHeartbeatStaleTrialCallback.retry_history(frozen))


class TrialHeartbeat:
    """Records the running trial's heartbeat every interval from a daemon thread, surviving
    database errors; `lost()` once no beat has reached the database for the grace period."""

    def __init__(self, storage: Any, trial_id: int):
        self.storage, self.trial_id = storage, trial_id
        self.interval, self.grace = heartbeat_settings()
        self.last_ok = time.monotonic()
        self._stop = threading.Event()
        self._beat()  # a RUNNING trial without a heartbeat row is never found stale
        self._thread = threading.Thread(target=self._run, name="emotrain-heartbeat", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        try:
            self.storage.record_heartbeat(self.trial_id)
        except Exception:  # the database is away; lost() says when that matters
            return
        self.last_ok = time.monotonic()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._beat()

    def lost(self) -> bool:
        # Other workers judge by the database's clock; stop a little before they may retry.
        return time.monotonic() - self.last_ok > max(self.grace - self.interval, self.interval)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
