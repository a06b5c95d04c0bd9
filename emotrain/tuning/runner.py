"""The worker loop: until the study has its trials, take a trial (a database's WAITING retry, a
journal's stale trial, or a new one), run it, tell Optuna. `--workers K` runs K of these loops as
processes against the same storage; many machines run theirs against one database.

A worker stops asking when finished-or-pruned trials plus those running elsewhere reach the target;
it keeps waiting while another worker's trials might still fail and need replacing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from emotrain.errors import RunInterrupted, StorageError, TrainingError
from emotrain.tuning import rdb, recovery
from emotrain.tuning.space import Param
from emotrain.tuning.study import StudySpec, load_optuna_study, open_storage
from emotrain.tuning.trial import DataMemo, TrialLost, run_trial, seed_retry, storage_call

POLL_S = 1.0
RESUMED_ATTR = "emotrain_resumed"  # journal: how many times a stale trial was picked up again
RETRY_OF_ATTR = "emotrain_retry_of"  # database: the trial whose work this one continues


def quiet_optuna() -> None:
    import warnings

    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    warnings.filterwarnings("ignore", message="Heartbeat of storage is supposed")


def counts(trials: list[Any]) -> dict[str, int]:
    out = {"complete": 0, "pruned": 0, "fail": 0, "running": 0, "waiting": 0}
    for t in trials:
        out[t.state.name.lower()] = out.get(t.state.name.lower(), 0) + 1
    return out


@dataclass
class Job:
    kind: str  # new | resume (journal: a stale trial, same number) | retry (database: a new number)
    study: Any
    trial: Any
    trial_id: int
    frozen: Any
    retry_of: int | None = None
    heartbeat: Any = None


def _next_job(spec: StudySpec, storage: Any, owner: dict[str, Any]) -> Job | str | None:
    """Under the study's lock (in the database for PostgreSQL/MySQL, on this host otherwise): a
    Job, "wait" while others finish the last trials, or None when the study is done."""
    from optuna.trial import TrialState

    with rdb.study_lock(spec.storage, f"emotrain-trials:{spec.study_name}"):
        study = load_optuna_study(spec, storage)
        database = rdb.is_rdb(spec.storage)
        if database:
            rdb.fail_stale(study)  # Optuna's: FAIL + a WAITING retry, won by exactly one worker
        trials = study.get_trials(deepcopy=False)
        if not database:
            for t in trials:
                if t.state == TrialState.RUNNING and recovery.is_stale(t):
                    tid = rdb.trial_id(storage, spec.study_name, t.number)
                    recovery.claim(storage, tid, owner)
                    trial = optuna_trial(study, tid)
                    return Job("resume", study, trial, tid, storage.get_trial(tid))
        c = counts(trials)
        if c["complete"] + c["pruned"] >= spec.trials:
            return None
        failed = [t for t in trials if t.state == TrialState.FAIL and "fail_reason" in t.user_attrs]
        if len(failed) >= spec.trials:
            raise TrainingError(
                f"{len(failed)} trials failed, as many as the study's --trials; the last: "
                f"{failed[-1].user_attrs['fail_reason']}"
            )
        if not c["waiting"] and c["complete"] + c["pruned"] + c["running"] >= spec.trials:
            return "wait"
        study = load_optuna_study(spec, storage, next_number=len(trials))
        with rdb.optuna_quiet():
            trial = study.ask()  # a WAITING retry first, atomically; else a new trial
        tid = rdb.trial_id(storage, spec.study_name, trial.number)
        beat = rdb.TrialHeartbeat(storage, tid) if database else None
        frozen = storage.get_trial(tid)
        history = rdb.retry_history(frozen) if database else []
        if not database:
            recovery.claim(storage, tid, owner)
        trial.set_user_attr("worker", f"{owner['host']}:{owner['pid']}")
        if history:
            trial.set_user_attr(RETRY_OF_ATTR, history[-1])
            return Job("retry", study, trial, tid, frozen, history[-1], beat)
        for param in spec_space(spec).values():
            param.suggest(trial)
        return Job("new", study, trial, tid, storage.get_trial(tid), heartbeat=beat)


def optuna_trial(study: Any, trial_id: int) -> Any:
    import optuna

    return optuna.trial.Trial(study, trial_id)


def spec_space(spec: StudySpec) -> dict[str, Param]:
    from emotrain.tuning.space import PARAMETERS

    out = {}
    for name, d in spec.space.items():
        values = dict(d)
        if "choices" in values:
            values["choices"] = tuple(values["choices"])
        out[name] = Param(name, **values)
    return {n: out[n] for n in PARAMETERS if n in out}  # a fixed order: the same sampling order


def run_worker(
    spec: StudySpec,
    *,
    stop_event: threading.Event,
    deadline: float | None = None,
    on_trial_done: Callable[[], None] | None = None,
) -> None:
    """Run trials until the study is done, the deadline passes or `stop_event` is set."""
    from emotrain.training.model_trainer import Interrupted

    quiet_optuna()
    storage = open_storage(spec)
    owner = recovery.new_owner()
    heartbeat = None if rdb.is_rdb(spec.storage) else recovery.Heartbeat(storage)
    memo = DataMemo()
    try:
        while not stop_event.is_set():
            if deadline is not None and time.time() >= deadline:
                return
            job = _job_or_unreachable(spec, storage, owner)
            if job is None:
                return
            if job == "wait":
                time.sleep(POLL_S)
                continue
            assert isinstance(job, Job)
            if heartbeat is not None:
                heartbeat.trial_id = job.trial_id
            try:
                _run_job(spec, job, memo, stop_event)
            except Interrupted:
                note = _requeue(job)
                raise RunInterrupted(
                    f"interrupted: trial {job.trial.number} keeps its last epoch's checkpoint{note}; "
                    "run the same command to resume the study from it",
                    signum=_signum(stop_event),
                ) from None
            except TrialLost as exc:
                sys.stderr.write(f"note: {exc}\n")
            finally:
                if heartbeat is not None:
                    heartbeat.trial_id = None
                if job.heartbeat is not None:
                    job.heartbeat.close()
            if on_trial_done is not None:
                on_trial_done()
        raise RunInterrupted(
            "interrupted between trials; run the same command to continue the study",
            signum=_signum(stop_event),
        )
    finally:
        if heartbeat is not None:
            heartbeat.close()
        recovery.release_owner(owner)


def _job_or_unreachable(spec: StudySpec, storage: Any, owner: dict[str, Any]) -> Job | str | None:
    """The next job; a database that went away is waited for (a network drop, a server restart)
    for twice the grace period, then one line and exit 1."""
    from emotrain.errors import EmotrainError

    give_up = time.monotonic() + 2 * rdb.heartbeat_settings()[1]
    while True:
        try:
            return _next_job(spec, storage, owner)
        except EmotrainError:
            raise
        except Exception as exc:
            if time.monotonic() < give_up:
                time.sleep(POLL_S)
                continue
            from emotrain.tuning.study import redacted_url, storage_error_detail

            raise StorageError(
                f"--storage: lost {redacted_url(spec.storage)} ({storage_error_detail(exc)}); the trials of "
                "other workers go on, run the same command to rejoin the study"
            ) from None


def _run_job(spec: StudySpec, job: Job, memo: DataMemo, stop_event: threading.Event) -> None:
    from optuna.trial import TrialState

    trial = job.trial
    params, reported = dict(job.frozen.params), set(job.frozen.intermediate_values)
    resume, note = job.kind == "resume", None
    if job.kind == "resume":
        trial.set_user_attr(RESUMED_ATTR, job.frozen.user_attrs.get(RESUMED_ATTR, 0) + 1)
    elif job.kind == "retry":
        note = seed_retry(spec, job.retry_of, trial.number, params)
        resume = note is None
        if note:
            trial.set_user_attr("note", note)
    outcome = run_trial(spec, trial, params, resume=resume, reported=reported, memo=memo,
                        stop_event=stop_event, heartbeat=job.heartbeat, retry_of=job.retry_of,
                        note=note)  # fmt: skip

    def tell() -> None:
        if outcome.reason:
            key = "fail_reason" if outcome.state == "fail" else "note"
            trial.set_user_attr(key, outcome.reason)
        if outcome.state == "complete":
            job.study.tell(trial, outcome.value)
        else:
            states = {"pruned": TrialState.PRUNED, "fail": TrialState.FAIL}
            job.study.tell(trial, state=states[outcome.state])

    storage_call(tell, trial.number, job.heartbeat)


def _requeue(job: Job) -> str:
    """Database storages: an interrupted trial is handed back at once (FAIL + a WAITING retry, as
    Optuna's heartbeat would after the grace period), so the next command needs no wait."""
    if job.heartbeat is None:
        return ""
    from optuna.storages import RetryHeartbeatStaleTrialCallback
    from optuna.trial import TrialState

    try:
        with rdb.optuna_quiet():
            job.study.tell(job.trial, state=TrialState.FAIL)
            frozen = job.study.get_trials(deepcopy=False)[job.trial.number]
            RetryHeartbeatStaleTrialCallback(inherit_intermediate_values=True)(job.study, frozen)
    except Exception:  # the heartbeat's grace period hands it back instead
        return ""
    return ", queued for retry"


def _signum(stop_event: Any) -> int:
    """The signal that stopped the study (a StopRequest records it; a plain event means Ctrl-C)."""
    return int(getattr(stop_event, "signum", signal.SIGINT))


def spawn_workers(spec_path: str, k: int, deadline: float | None) -> list[subprocess.Popen]:
    """K worker processes, each with its share of the CPU threads."""
    threads = max(1, (os.cpu_count() or 1) // k)
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), EMOTRAIN_TUNE_THREADS=str(threads))
    cmd = [sys.executable, "-m", "emotrain.tuning.worker", spec_path]
    if deadline is not None:
        cmd.append(repr(deadline))
    return [subprocess.Popen(cmd, env=env) for _ in range(k)]
