"""One trial = one ordinary emotrain run folder, trained (or resumed) through `training/`.

Because a trial is a run, it inherits everything a run has: checkpoints every epoch, history and
bit-exact resume; the study only adds `tune_trial.json` (lineage for the registry) and the
per-epoch report to Optuna that lets a pruner stop it. A trial writes no export and no plots: most
trials are never shipped, and those fixed costs made pruning pay little. `ensure_export` writes them
for the trials a user needs (the best), through `resume`, as for a run killed before its export.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import threading
import time
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from emotrain.config import RunConfig
from emotrain.io import atomic_write_json
from emotrain.runs.paths import RunPaths
from emotrain.runs.status import RunStatus
from emotrain.training.progress import Reporter
from emotrain.tuning.space import apply_params
from emotrain.tuning.study import StudySpec

TRIAL_JSON = "tune_trial.json"


@dataclass
class TrialOutcome:
    state: str  # complete | pruned | fail
    value: float | None
    reason: str | None = None


class TrialLost(Exception):
    """This worker's trial was handed to another worker (its heartbeat stopped reaching the
    database for longer than the grace period): stop training it and drop its result."""


class DataMemo:
    """A worker's loaded data per distinct data configuration: trials that differ only in the
    training recipe train on the same tensors (and real corpora hit the shared feature cache)."""

    def __init__(self) -> None:
        self._items: dict[str, Any] = {}

    def get(self, name: str, config: RunConfig, reporter: Reporter) -> Any:
        from emotrain.training.trainer import load_model_data

        key = json.dumps([name, config.data.__dict__, config.training.seed], sort_keys=True)
        if key not in self._items:
            self._items[key] = load_model_data(name, config, reporter)
        return self._items[key]


def trial_dir(spec: StudySpec, number: int) -> Path:
    return spec.dir / "trials" / str(number)


def trial_config(spec: StudySpec, params: dict[str, Any], number: int) -> RunConfig:
    base = RunConfig.from_dict(spec.base_config)
    config = apply_params(base, params)
    return replace(config, models=(spec.model,), output=str(trial_dir(spec, number)))


def write_trial_record(
    spec: StudySpec,
    number: int,
    params: dict[str, Any],
    retry_of: int | None = None,
    note: str | None = None,
) -> None:
    """Read by the model registry as lineage: keep the file name and these keys."""
    extra = {} if retry_of is None else {"retry_of": retry_of, "retry_note": note}
    atomic_write_json(
        trial_dir(spec, number) / TRIAL_JSON,
        {
            **extra,
            "study_name": spec.study_name,
            "storage": spec.storage,
            "trial_number": number,
            "params": params,
            "study_dir": str(spec.dir.resolve()),
            "model": spec.model,
            "metric": spec.metric,
            "direction": spec.direction,
        },
    )


def trial_value(folder: Path, model: str, metric: str) -> float | None:
    """The objective from the run's own history: the metric at the best (exported) epoch."""
    path = RunPaths(folder).history_json(model)
    try:
        history = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    best = history.get("best_epoch")
    if metric == "val_loss":
        value = history.get("best_val_loss")
    else:
        rows = [r for r in history.get("epochs", []) if r.get("epoch") == best]
        value = rows[0].get(metric) if rows else None
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else None


class EpochReporter:
    """The per-epoch hook: report the metric to Optuna, and ask its pruner whether to stop.

    With a database, a report that cannot reach it is retried while the trial's heartbeat is
    within the grace period; after that (or when the trial was failed and retried elsewhere) the
    trial is lost to this worker."""

    def __init__(self, trial: Any, spec: StudySpec, already: set[int], heartbeat: Any = None):
        self.trial, self.spec, self.already = trial, spec, set(already)
        self.heartbeat = heartbeat

    def __call__(self, epoch: int, row: dict[str, Any]) -> str | None:
        value = row.get(self.spec.metric)
        if not isinstance(value, (int, float)) or not math.isfinite(value):
            return None
        if epoch not in self.already:  # an epoch redone after a crash was reported already
            self._storage_call(lambda: self.trial.report(float(value), epoch))
            self.already.add(epoch)
        if self.spec.pruner != "none" and self._storage_call(self.trial.should_prune):
            return f"pruned by the {self.spec.pruner} pruner at epoch {epoch} ({self.spec.metric} {value:.6g})"
        return None

    def _storage_call(self, call: Any) -> Any:
        return storage_call(call, self.trial.number, self.heartbeat)


def storage_call(call: Any, number: int, heartbeat: Any) -> Any:
    """`call()` on the trial's storage; with a database, retried while the trial's heartbeat is
    within the grace period. TrialLost once another worker may have taken the trial over."""
    from optuna.exceptions import UpdateFinishedTrialError

    while True:
        try:
            return call()
        except UpdateFinishedTrialError:
            raise TrialLost(
                f"trial {number} was retried by another worker while this one was away from "
                "the database; this worker drops it"
            ) from None
        except Exception:
            if heartbeat is None:
                raise
            if heartbeat.lost():
                raise TrialLost(
                    f"trial {number}: the database was unreachable for longer than the grace "
                    "period; another worker retries it"
                ) from None
            time.sleep(1.0)


def _history_status(folder: Path, model: str) -> str | None:
    try:
        path = RunPaths(folder).history_json(model)
        return json.loads(path.read_text(encoding="utf-8")).get("status")
    except (OSError, ValueError):
        return None


def run_trial(
    spec: StudySpec,
    trial: Any,
    params: dict[str, Any],
    *,
    resume: bool,
    reported: set[int],
    memo: DataMemo,
    stop_event: threading.Event,
    reporter: Reporter | None = None,
    heartbeat: Any = None,
    retry_of: int | None = None,
    note: str | None = None,
) -> TrialOutcome:
    """Train (or continue) the trial's run; errors a user could cause become a FAIL outcome, an
    interruption propagates (the trial stays RUNNING and its checkpoint is resumed next time)."""
    from emotrain.errors import EmotrainError
    from emotrain.training.model_trainer import Interrupted

    reporter = reporter or Reporter()
    number = trial.number
    folder = trial_dir(spec, number)
    hook = EpochReporter(trial, spec, reported, heartbeat)
    from emotrain.tuning.tracking import trial_loggers

    loggers = trial_loggers(spec, number)  # None without --logger

    def fresh(note: str | None) -> None:
        from emotrain.pipeline import train
        from emotrain.training.preflight import PreparedModel

        config = trial_config(spec, params, number).validate()
        data = memo.get(spec.model, config, reporter)
        write_trial_record(spec, number, params, retry_of, note)
        train(config, overwrite=resume or retry_of is not None, reporter=reporter,
              stop_event=stop_event, on_epoch=hook, prepared=[PreparedModel(spec.model, data)],
              finish=False, loggers=loggers)  # fmt: skip

    try:
        if resume and _has_run(folder, spec.model):
            from emotrain.errors import CheckpointError
            from emotrain.pipeline import resume as resume_run

            try:
                resume_run(folder, reporter=reporter, stop_event=stop_event, on_epoch=hook,
                           finish=False, loggers=loggers)  # fmt: skip
            except CheckpointError as exc:
                if retry_of is None:
                    raise
                # a retry whose copied checkpoints do not load here starts over, and says why
                note = f"retry of trial {retry_of}: restarted from epoch 0; its checkpoint is unreadable here ({exc})"[
                    :500
                ]
                storage_call(lambda: trial.set_user_attr("note", note), number, heartbeat)
                fresh(note)
        else:
            fresh(note)
    except (Interrupted, TrialLost):
        raise
    except (EmotrainError, ValueError, RuntimeError, OSError) as exc:
        return TrialOutcome("fail", None, f"{type(exc).__name__}: {exc}"[:500])
    status = _history_status(folder, spec.model)
    value = trial_value(folder, spec.model, spec.metric)
    if status == RunStatus.PRUNED:
        return TrialOutcome("pruned", value)
    if value is None:
        return TrialOutcome(
            "fail", None, f"no finite {spec.metric} at a best epoch (status {status})"
        )
    if status == RunStatus.DIVERGED:
        return TrialOutcome("complete", value, "diverged; the best epoch before it counts")
    return TrialOutcome("complete", value)


def _has_run(folder: Path, model: str) -> bool:
    paths = RunPaths(folder)
    return paths.run_config.exists() and (
        paths.checkpoint(model, "latest").exists() or paths.checkpoint(model, "best").exists()
    )


def seed_retry(spec: StudySpec, old: int | None, new: int, params: dict[str, Any]) -> str | None:
    """Give retry `new` the work of trial `old`: a copy of its run folder, so the retry continues
    from its `latest.pt` (bit for bit) while `old` keeps its own folder (a worker that lost the
    database may still write there). None when copied; else why it restarts from epoch 0 (a
    folder per machine: this one cannot read `old`'s checkpoints)."""
    src, dst = trial_dir(spec, int(old or 0)), trial_dir(spec, new)
    if old is None or not _has_run(src, spec.model):
        why = "its folder is not on this machine" if not src.exists() else "it has no checkpoint"
        return f"retry of trial {old}: restarted from epoch 0; {why} ({src})"
    tmp = dst.with_name(f".{new}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        shutil.copytree(src, tmp, ignore=shutil.ignore_patterns(".emotrain.lock", ".*.tmp"))
        if dst.exists():  # an earlier attempt of this very retry, killed before it trained
            shutil.rmtree(dst)
        os.replace(tmp, dst)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        return f"retry of trial {old}: restarted from epoch 0; its checkpoints could not be copied ({exc})"
    write_trial_record(spec, new, params, old)
    return None


def ensure_export(spec: StudySpec, number: int) -> None:
    """Write the verified export and the plots of trial `number` if it has none yet: what
    `emotrain resume` does for a run whose training ended before its export."""
    from emotrain.pipeline import resume as resume_run

    folder = trial_dir(spec, number)
    if RunPaths(folder).export(spec.model).exists() or not _has_run(folder, spec.model):
        return
    resume_run(folder, reporter=Reporter())
