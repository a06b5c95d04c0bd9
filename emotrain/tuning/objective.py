"""One trial = one ordinary emotrain run folder, trained (or resumed) through `training/`.

Because a trial is a run, it inherits everything a run has: checkpoints every epoch, history, plots,
a verified RTNeural export, and bit-exact resume; the study only adds `tune_trial.json` (lineage for
the registry) and the per-epoch report to Optuna that lets a pruner stop it.
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from emotrain.config import RunConfig
from emotrain.io import atomic_write_json
from emotrain.training.paths import RunPaths
from emotrain.training.progress import Reporter
from emotrain.tuning.space import apply_params
from emotrain.tuning.study import StudySpec

TRIAL_JSON = "tune_trial.json"


@dataclass
class TrialOutcome:
    state: str  # complete | pruned | fail
    value: float | None
    reason: str | None = None


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


def write_trial_record(spec: StudySpec, number: int, params: dict[str, Any]) -> None:
    """Read by the model registry as lineage: keep the file name and these keys."""
    atomic_write_json(
        trial_dir(spec, number) / TRIAL_JSON,
        {
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
    """The per-epoch hook: report the metric to Optuna, and ask its pruner whether to stop."""

    def __init__(self, trial: Any, spec: StudySpec, already: set[int]):
        self.trial, self.spec, self.already = trial, spec, set(already)

    def __call__(self, epoch: int, row: dict[str, Any]) -> str | None:
        value = row.get(self.spec.metric)
        if not isinstance(value, (int, float)) or not math.isfinite(value):
            return None
        if epoch not in self.already:  # an epoch redone after a crash was reported already
            self.trial.report(float(value), epoch)
            self.already.add(epoch)
        if self.spec.pruner != "none" and self.trial.should_prune():
            return f"pruned by the {self.spec.pruner} pruner at epoch {epoch} ({self.spec.metric} {value:.6g})"
        return None


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
) -> TrialOutcome:
    """Train (or continue) the trial's run; errors a user could cause become a FAIL outcome, an
    interruption propagates (the trial stays RUNNING and its checkpoint is resumed next time)."""
    from emotrain.errors import EmotrainError
    from emotrain.training.model_trainer import Interrupted

    reporter = reporter or Reporter()
    number = trial.number
    folder = trial_dir(spec, number)
    hook = EpochReporter(trial, spec, reported)
    from emotrain.tuning.tracking import trial_loggers

    loggers = trial_loggers(spec, number)  # None without --logger
    try:
        if resume and _has_run(folder, spec.model):
            from emotrain.training.resume import resume as resume_run

            resume_run(folder, reporter=reporter, stop_event=stop_event, on_epoch=hook,
                       loggers=loggers)  # fmt: skip
        else:
            from emotrain.training.trainer import PreparedModel, train

            config = trial_config(spec, params, number).validate()
            data = memo.get(spec.model, config, reporter)
            write_trial_record(spec, number, params)
            train(config, overwrite=resume, reporter=reporter, stop_event=stop_event,
                  on_epoch=hook, prepared=[PreparedModel(spec.model, data)],
                  loggers=loggers)  # fmt: skip
    except Interrupted:
        raise
    except (EmotrainError, ValueError, RuntimeError, OSError) as exc:
        return TrialOutcome("fail", None, f"{type(exc).__name__}: {exc}"[:500])
    status = _history_status(folder, spec.model)
    value = trial_value(folder, spec.model, spec.metric)
    if status == "pruned":
        return TrialOutcome("pruned", value)
    if value is None:
        return TrialOutcome(
            "fail", None, f"no finite {spec.metric} at a best epoch (status {status})"
        )
    if status == "diverged":
        return TrialOutcome("complete", value, "diverged; the best epoch before it counts")
    return TrialOutcome("complete", value)


def _has_run(folder: Path, model: str) -> bool:
    paths = RunPaths(folder)
    return paths.run_config.exists() and (
        paths.checkpoint(model, "latest").exists() or paths.checkpoint(model, "best").exists()
    )
