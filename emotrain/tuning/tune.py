"""What `emotrain tune` runs: check every input, then run the study's workers and write its report.

Every refusal (an unknown model or metric, a bad space, an unusable storage URL, a DIR that holds
another study) happens before the first byte is written.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from emotrain.config import RunConfig
from emotrain.errors import ConfigError, RunInterrupted, TrainingError
from emotrain.io import atomic_write_json, check_folder_writable
from emotrain.runs.paths import RunPaths
from emotrain.tuning.study import (
    DEFAULT_PRUNER,
    JOURNAL,
    PRUNERS,
    STUDY_JSON,
    StudySpec,
    check_same_study,
    check_storage_url,
    create_or_load,
    default_study_name,
    open_storage,
)


def metric_direction(model: str, metric: str) -> str:
    """A study optimises val_loss or a validation figure the network's spec says it records."""
    from emotrain.models.catalog import get_spec
    from emotrain.models.directions import higher_is_better

    allowed = {"val_loss": "minimize"}
    for name in get_spec(model).val_metrics:
        allowed[f"val_{name}"] = "maximize" if higher_is_better(name) else "minimize"
    if metric not in allowed:
        raise ConfigError(f"--metric: {model} reports {', '.join(allowed)}, not {metric!r}")
    return allowed[metric]


def build_spec(
    *,
    model: str | list[str] | None,
    base: RunConfig,
    trials: int,
    output: Path,
    space_file: Path | None = None,
    storage: str | None = None,
    study_name: str | None = None,
    workers: int = 1,
    pruner: str = DEFAULT_PRUNER,
    timeout: float | None = None,
    metric: str = "val_loss",
) -> StudySpec:
    """Validate everything a study needs; reads files only."""
    from emotrain.models.catalog import resolve_models
    from emotrain.training.preflight import check_models_fit_data, check_validation_songs
    from emotrain.tuning.space import read_space, space_to_dict

    if model is None:
        raise ConfigError("--model: tune searches one network at a time; name it with --model")
    names = resolve_models(model)
    if len(names) != 1:
        raise ConfigError(f"--model: tune searches one network at a time, got {', '.join(names)}")
    name = names[0]
    problems = []
    if trials < 1:
        problems.append(f"--trials: must be an integer >= 1, got {trials}")
    if workers < 1:
        problems.append(f"--workers: must be an integer >= 1, got {workers}")
    if pruner not in PRUNERS:
        problems.append(f"--pruner: {pruner!r} is not one of {', '.join(PRUNERS)}")
    if timeout is not None and not timeout > 0:
        problems.append(f"--timeout: must be a number of seconds > 0, got {timeout}")
    if problems:
        raise ConfigError(problems)
    direction = metric_direction(name, metric)
    space = read_space(space_file, name)
    if not space:
        raise ConfigError("--space: every parameter is disabled; nothing to search")
    check_folder_writable(output.expanduser())  # the user's path in the message, as every command
    directory = output.expanduser().resolve()
    data = base.data
    if data.kind != "synthetic" and data.cache_dir is None:
        # One feature cache for the whole study: trials never decode the audio again.
        data = replace(data, cache_dir=str(directory / "cache" / "features"))
    base = replace(base, models=(name,), data=data, output=str(directory)).validate()
    check_models_fit_data(base)
    check_validation_songs(base)  # an id the corpus lacks, before the study folder is made
    url = storage or f"journal:{directory / JOURNAL}"
    check_storage_url(url)
    spec = StudySpec(
        model=name,
        study_name=study_name or default_study_name(name, directory),
        storage=url,
        directory=str(directory),
        metric=metric,
        direction=direction,
        pruner=pruner,
        seed=base.training.seed,
        trials=trials,
        space=space_to_dict(space),
        base_config=base.to_dict(),
        timeout_s=timeout,
        workers=workers,
    )
    check_same_study(spec)
    return spec


def tune(
    spec: StudySpec,
    *,
    stop_event: threading.Event | None = None,
    on_update: Callable[[list[Any]], None] | None = None,
) -> dict[str, Any]:
    """Run (or continue) the study until it has `spec.trials` finished-or-pruned trials."""
    from emotrain.tuning import rdb, report, tracking
    from emotrain.tuning.runner import quiet_optuna, run_worker
    from emotrain.tuning.study import load_optuna_study

    quiet_optuna()
    stop_event = stop_event or threading.Event()
    if spec.storage.startswith("journal:"):
        spec.dir.mkdir(parents=True, exist_ok=True)  # the journal file lives in DIR
    storage = open_storage(spec)  # an unreachable database is refused before DIR is made
    create_or_load(spec, storage)
    spec.dir.mkdir(parents=True, exist_ok=True)
    spec = tracking.start_parent_run(spec)  # MLflow: the study's parent run (docs/tune.md)
    atomic_write_json(spec.dir / STUDY_JSON, spec.to_dict())
    deadline = time.time() + spec.timeout_s if spec.timeout_s else None

    seen: list[Any] = []

    def update() -> None:
        try:
            trials = load_optuna_study(spec, storage).get_trials(deepcopy=False)
        except Exception:  # the database is away for a moment: the next update catches up
            if not rdb.is_rdb(spec.storage):
                raise
            return
        snapshot = [(t.number, t.state) for t in trials]
        if snapshot == seen:
            return  # polled while workers train: nothing to rewrite
        seen[:] = snapshot
        report.write_trials_csv(spec, trials)
        retries = {str(t.number): t.user_attrs["emotrain_retry_of"] for t in trials
                   if "emotrain_retry_of" in t.user_attrs}  # fmt: skip
        if retries:  # which trial continues which (study.json: read as a StudySpec, extra keys ok)
            atomic_write_json(spec.dir / STUDY_JSON, {**spec.to_dict(), "retries": retries})
        if on_update is not None:
            on_update(trials)

    update()
    try:
        if spec.workers == 1:
            run_worker(spec, stop_event=stop_event, deadline=deadline, on_trial_done=update)
        else:
            _run_processes(spec, stop_event, deadline, update)
    finally:
        update()
    return finish_study(spec, storage)


FINISH_LOCK = ".finish.lock"


def finish_study(spec: StudySpec, storage: Any) -> dict[str, Any]:
    """The study's report, best/ and plots. Every command of a study ends here, on each machine
    at once: the best trial's export is made under the run-folder lock, which refuses a second
    holder, so the finishers sharing the study folder take turns (the later ones find the export
    made and only rewrite the report)."""
    from emotrain.tuning import report, tracking
    from emotrain.tuning.rdb import host_lock
    from emotrain.tuning.study import load_optuna_study
    from emotrain.tuning.trial import ensure_export, trial_dir

    with host_lock(spec.dir / FINISH_LOCK):
        study = load_optuna_study(spec, storage)
        out = report.summary(spec, study)
        best = report.best_trial(study)
        if best is not None and RunPaths(trial_dir(spec, best.number)).run_config.exists():
            ensure_export(spec, best.number)  # trials write none; the best one's is best/
            out["files"] = report.write_best(spec, best)
        elif best is not None:  # a folder per machine: the machine that ran it writes best/
            out["best_elsewhere"] = (
                f"trial {best.number} ran on another machine; its folder is there"
            )
        out["plots"], out["plots_skipped"] = report.write_plots(spec, study)
    tracking.finish_parent_run(spec, out)
    return out


def _run_processes(
    spec: StudySpec, stop_event: threading.Event, deadline: float | None, update: Callable[[], None]
) -> None:
    import signal

    from emotrain.tuning.runner import spawn_workers

    procs = spawn_workers(str(spec.dir / STUDY_JSON), spec.workers, deadline)
    forwarded = False
    try:
        while any(p.poll() is None for p in procs):
            if stop_event.is_set() and not forwarded:
                for p in procs:  # a terminal's Ctrl-C reached them already; a kill of ours did not
                    if p.poll() is None:
                        p.send_signal(signal.SIGINT)
                forwarded = True
            update()
            stop_event.wait(2.0)
    finally:
        for p in procs:
            p.wait()
    codes = [p.returncode for p in procs]
    if stop_event.is_set() or 130 in codes:
        raise RunInterrupted(
            "interrupted: the running trials keep their last epoch's checkpoints; run the same "
            "command to resume the study",
            signum=getattr(stop_event, "signum", int(signal.SIGINT)),
        )
    if any(codes):
        raise TrainingError(
            f"{sum(1 for c in codes if c)} of {len(codes)} workers failed (their errors are above)"
        )


def load_spec(directory: Path) -> StudySpec:
    return StudySpec.from_dict(json.loads((directory / STUDY_JSON).read_text(encoding="utf-8")))
