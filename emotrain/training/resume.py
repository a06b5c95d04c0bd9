"""Continue an interrupted run to exactly the result the uninterrupted run would have had.

What wins on a conflict: the run's recorded configuration, always, except `--epochs` (which extends or
shortens the plan) and `--device` (`resume_settings`). `resume_plan.plan_resume` reads and decides;
`resume` checks every model's data before it writes anything, then runs the plans.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emotrain.errors import DataError, RunInterrupted
from emotrain.io import remove_stale_temp_files
from emotrain.runs.checkpoint import Checkpoint
from emotrain.runs.paths import RunPaths
from emotrain.runs.status import ENDED_EARLY, FINAL_STATUSES, RunStatus
from emotrain.tolerance import DEFAULT_TOLERANCE
from emotrain.training.checkpoint import save_checkpoint
from emotrain.training.progress import Reporter
from emotrain.training.resume_plan import (
    ResumePlan,
    check_run_folder,
    plan_resume,
)
from emotrain.training.resume_settings import LOCKED
from emotrain.training.run_lock import run_folder_lock

__all__ = [
    "ENDED_EARLY",
    "FINAL_STATUSES",
    "LOCKED",
    "ResumeOutcome",
    "ResumePlan",
    "plan_resume",
    "resume",
]


@dataclass
class ResumeOutcome:
    results: list[Any]
    skipped: dict[str, str]  # model -> why nothing was done
    warnings: list[str]


def _finish_only(
    plan: ResumePlan,
    paths: RunPaths,
    reporter: Reporter,
    tolerance: float,
    loggers: Any,
    exporter: Any = None,
) -> Any:
    """Export and plot a model whose training ended (or whose plan was shortened to what is done)."""
    from emotrain.training.metrics import TrainingMetrics
    from emotrain.training.model_trainer import ModelResult
    from emotrain.training.trainer import finish_model, tracked_files

    ckpt = Checkpoint.from_dict(plan.ckpt or {})
    history = TrainingMetrics.from_dict(ckpt.metrics) if isinstance(ckpt.metrics, dict) else None
    if history is not None and history.status not in FINAL_STATUSES:
        # --epochs shortened the plan to what is already done: the run is finished now.
        history.status = RunStatus.FINISHED
        ckpt.record(finished=True, status=str(history.status), metrics=history.to_dict())
        save_checkpoint(paths.checkpoint(plan.name, "latest"), ckpt.to_dict())
        history.save(paths.history_dir)
    result = ModelResult(
        name=plan.name,
        status=history.status if history else RunStatus.FINISHED,
        best_epoch=ckpt.best_epoch,
        best_val_loss=ckpt.best_val_loss,
        val_metrics=dict(ckpt.val_metrics or {}),
        epochs_run=int(ckpt.epoch or 0),
        stop_reason=history.stop_reason if history else None,
    )
    rows = history.to_dict() if history else {}
    finish_model(result, paths, rows, reporter, tolerance=tolerance, exporter=exporter)
    if loggers:
        loggers.on_model_start(plan.name, plan.config.to_dict(), history.rows if history else [])
        loggers.on_model_end(plan.name, result.status, tracked_files(result, paths))
    return result


def resume(
    output: str | Path,
    *,
    models: list[str] | tuple[str, ...] | str | None = None,
    epochs: int | None = None,
    source: str = "latest",
    device: str | None = None,
    overrides: dict[str, Any] | None = None,
    reporter: Reporter | None = None,
    stop_event: threading.Event | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    on_epoch: Any = None,
    finish: bool = True,
    loggers: Any = None,
    exporter: Any = None,
) -> ResumeOutcome:
    """Finish every model of the run in `output`; `tolerance` is the export check's, as for
    `train`. `finish=False`: no export or plots (a tuning trial). `exporter`: as for `train`
    (emotrain.pipeline.resume, what `emotrain resume` runs, passes the RTNeural one)."""
    from emotrain.training.preflight import check_tolerance

    check_tolerance(tolerance)
    reporter = reporter or Reporter()
    check_run_folder(Path(output))
    with run_folder_lock(output):
        return _resume_locked(
            output, models=models, epochs=epochs, source=source, device=device,
            overrides=overrides, reporter=reporter, stop_event=stop_event, tolerance=tolerance, on_epoch=on_epoch, finish=finish,
            loggers=loggers, exporter=exporter,
        )  # fmt: skip


def _auto_device_note(plan: ResumePlan, dev: Any) -> str | None:
    """`--device auto` means what this machine has: say so when that differs from the recording."""
    recorded = (plan.ckpt or {}).get("device_type")
    if plan.config.training.device != "auto" or not recorded or recorded == dev.type:
        return None
    return (
        f"[{plan.name}] --device auto was {recorded} when the run was recorded and is {dev.type} "
        "here: results may differ in the last bits from an uninterrupted run"
    )


def _resume_locked(
    output: str | Path,
    *,
    models: Any,
    epochs: int | None,
    source: str,
    device: str | None,
    overrides: dict[str, Any] | None,
    reporter: Reporter,
    stop_event: threading.Event | None,
    tolerance: float,
    on_epoch: Any,
    finish: bool = True,
    loggers: Any = None,
    exporter: Any = None,
) -> ResumeOutcome:
    from emotrain.training.device import resolve_device
    from emotrain.training.loggers.base import LoggerSet, resolve_options
    from emotrain.training.loggers.trackers import open_loggers
    from emotrain.training.trainer import (
        PreparedModel,
        check_cache_dir,
        load_model_data,
        run_models,
    )

    plans, skipped, warnings = plan_resume(
        output, models=models, epochs=epochs, source=source, device=device, overrides=overrides
    )
    paths = RunPaths(Path(output))
    tracking = resolve_options(loggers, paths.root, resuming=True)
    trackers = LoggerSet([], reporter.warn)
    # An absent device is an error, said before any warning about changing to it.
    devices = {
        p.name: resolve_device(p.config.training.device) for p in plans if p.action != "finish"
    }
    warnings += [
        w for p in plans if p.name in devices and (w := _auto_device_note(p, devices[p.name]))
    ]
    for message in warnings:
        reporter.warn(message)
    for plan in plans:
        for message in plan.notes:
            reporter.message(message)
    results: list[Any] = []
    try:
        # Every model's data is checked before anything is written.
        prepared: dict[str, tuple[Any, Any]] = {}
        for plan in plans:
            if plan.action == "finish":
                continue
            check_cache_dir(plan.config)
            dev = devices[plan.name]
            data = load_model_data(plan.name, plan.config, reporter)
            recorded = (plan.ckpt or {}).get("data_fingerprint")
            if recorded and recorded != data.fingerprint():
                raise DataError(
                    f"[{plan.name}] the training data changed since the run started (fingerprint "
                    f"{recorded[:12]} recorded, {data.fingerprint()[:12]} now); resuming would mix "
                    "two datasets. Restore the data, or start a new run with --overwrite"
                )
            prepared[plan.name] = (dev, data)
        if stop_event is not None and stop_event.is_set():
            raise RunInterrupted(f"interrupted before resuming; {paths.root} was not changed")
        if plans:
            remove_stale_temp_files(paths.root)
            trackers = open_loggers(tracking, paths.root, reporter.warn, resuming=True)
        for plan in plans:
            if plan.action == "finish":
                if finish:
                    done = _finish_only(plan, paths, reporter, tolerance, trackers, exporter)
                    results.append(done)
                continue
            dev, data = prepared[plan.name]
            results += run_models(
                plan.config,
                [PreparedModel(plan.name, data)],
                paths,
                reporter,
                device=dev,
                stop_event=stop_event,
                checkpoints={plan.name: plan.ckpt} if plan.ckpt is not None else None,
                rewrite_latest=source == "best",
                tolerance=tolerance,
                on_epoch=on_epoch,
                finish=finish,
                loggers=trackers,
                exporter=exporter,
            )
    finally:
        trackers.close()
        reporter.close()
    return ResumeOutcome(results, skipped, warnings)
