"""The worker loop: until the study has its trials, resume a stale trial or ask a new one, run it,
tell Optuna. `--workers K` runs K of these loops as processes against the same storage.

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
from typing import Any

from emotrain.errors import RunInterrupted, TrainingError
from emotrain.tuning import recovery
from emotrain.tuning.objective import DataMemo, run_trial
from emotrain.tuning.space import Param
from emotrain.tuning.study import StudySpec, load_optuna_study, open_storage

POLL_S = 1.0
RESUMED_ATTR = "emotrain_resumed"  # how many times a stale trial was picked up again


def quiet_optuna() -> None:
    import warnings

    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)


def counts(trials: list[Any]) -> dict[str, int]:
    out = {"complete": 0, "pruned": 0, "fail": 0, "running": 0, "waiting": 0}
    for t in trials:
        out[t.state.name.lower()] = out.get(t.state.name.lower(), 0) + 1
    return out


def _next_job(spec: StudySpec, storage: Any, owner: dict[str, Any]) -> tuple[str, Any, Any] | None:
    """Under the claim lock: ("resume", study, frozen) for a stale trial, ("new", study, trial) for
    a fresh one, ("wait", None, None) while others finish, or None when the study is done."""
    from optuna.trial import TrialState

    with recovery.claim_lock(recovery.lock_path(spec.storage, spec.study_name)):
        study = load_optuna_study(spec, storage)
        trials = study.get_trials(deepcopy=False)
        for t in trials:
            if t.state == TrialState.RUNNING and recovery.is_stale(t):
                recovery.claim(study, t._trial_id, owner)
                return "resume", study, study._storage.get_trial(t._trial_id)
        c = counts(trials)
        if c["complete"] + c["pruned"] >= spec.trials:
            return None
        if c["fail"] >= spec.trials:
            last = next(
                (
                    t.user_attrs.get("fail_reason")
                    for t in reversed(trials)
                    if t.state.name == "FAIL"
                ),
                None,
            )
            raise TrainingError(
                f"{c['fail']} trials failed, as many as the study's --trials; the last: {last}"
            )
        if c["complete"] + c["pruned"] + c["running"] >= spec.trials:
            return "wait", None, None
        study = load_optuna_study(spec, storage, next_number=len(trials))
        trial = study.ask()
        recovery.claim(study, trial._trial_id, owner)
        for param in spec_space(spec).values():
            param.suggest(trial)
        return "new", study, trial


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
    import optuna
    from optuna.trial import TrialState

    from emotrain.training.model_trainer import Interrupted

    quiet_optuna()
    storage = open_storage(spec)
    owner = recovery.new_owner()
    heartbeat = recovery.Heartbeat(storage)
    memo = DataMemo()
    states = {"complete": TrialState.COMPLETE, "pruned": TrialState.PRUNED, "fail": TrialState.FAIL}
    try:
        while not stop_event.is_set():
            if deadline is not None and time.time() >= deadline:
                return
            job = _next_job(spec, storage, owner)
            if job is None:
                return
            kind, study, item = job
            if kind == "wait":
                time.sleep(POLL_S)
                continue
            if kind == "resume":
                trial = optuna.trial.Trial(study, item._trial_id)
                params, reported = dict(item.params), set(item.intermediate_values)
                trial.set_user_attr(RESUMED_ATTR, item.user_attrs.get(RESUMED_ATTR, 0) + 1)
            else:
                trial, params, reported = item, dict(item.params), set()
            heartbeat.trial_id = trial._trial_id
            try:
                outcome = run_trial(spec, trial, params, resume=kind == "resume",
                                    reported=reported, memo=memo, stop_event=stop_event)  # fmt: skip
            except Interrupted:
                raise RunInterrupted(
                    f"interrupted: trial {trial.number} keeps its last epoch's checkpoint; run the "
                    "same command to resume the study from it",
                    signum=_signum(stop_event),
                ) from None
            finally:
                heartbeat.trial_id = None
            if outcome.reason:
                trial.set_user_attr(
                    "fail_reason" if outcome.state == "fail" else "note", outcome.reason
                )
            if outcome.state == "complete":
                study.tell(trial, outcome.value)
            else:
                study.tell(trial, state=states[outcome.state])
            if on_trial_done is not None:
                on_trial_done()
        raise RunInterrupted(
            "interrupted between trials; run the same command to continue the study",
            signum=_signum(stop_event),
        )
    finally:
        heartbeat.close()
        recovery.release_owner(owner)


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
