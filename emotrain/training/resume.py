"""Continue an interrupted run to exactly the result the uninterrupted run would have had.

What wins on a conflict: the run's recorded configuration, always, except `--epochs` (which extends or
shortens the plan) and `--device`. Options that would change the data, the split or the data order are
accepted only when they equal the recorded values, so a script can pass its usual flags safely.

A run can stop anywhere: inside a model's epochs (continue it from its checkpoint), before a model of
`--model all` ever started (start it with the run's recorded configuration), or after a model's last
checkpoint but before its export (redo the export and plots). `plan_resume` reads and decides;
`resume` checks every model's data before it writes anything.
"""

from __future__ import annotations

import contextlib
import json
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from emotrain.config import RunConfig
from emotrain.errors import CheckpointError, ConfigError, DataError, RunInterrupted
from emotrain.io import remove_stale_temp_files
from emotrain.models.registry import MODEL_NAMES, resolve_models
from emotrain.training.checkpoint import load_checkpoint, save_checkpoint, spec_for_checkpoint
from emotrain.training.paths import RunPaths
from emotrain.training.progress import Reporter
from emotrain.training.run_lock import run_folder_lock

#: Options whose change would make the resumed run a different run.
LOCKED = {
    "seed": ("training", "seed", "--seed"),
    "validation_split": ("data", "validation_split", "--validation-split"),
    "samples": ("data", "samples", "--samples"),
    "seq_len": ("data", "seq_len", "--seq-len"),
    "data_format": ("data", "format", "--data-format"),
    "data": ("data", "path", "--data"),
    "batch_size": ("training", "batch_size", "--batch-size"),
    "learning_rate": ("training", "learning_rate", "--learning-rate"),
}
FINAL_STATUSES = ("finished", "early_stopped", "diverged", "pruned")
#: Statuses that end a model whatever its planned epochs (a larger --epochs does not continue it).
ENDED_EARLY = ("early_stopped", "diverged", "pruned")


@dataclass
class ResumePlan:
    name: str
    action: str  # "continue" from ckpt, "start" from scratch, "finish" (export and plots only)
    config: RunConfig
    checkpoint: Path | None = None
    ckpt: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)  # what could not be kept as recorded
    notes: list[str] = field(default_factory=list)  # what the user asked to change


@dataclass
class ResumeOutcome:
    results: list[Any]
    skipped: dict[str, str]  # model -> why nothing was done
    warnings: list[str]


def _load(path: Path, name: str, source: str, root: Path) -> dict[str, Any]:
    try:
        ckpt = load_checkpoint(path)
    except CheckpointError as exc:
        if source == "latest" and path.with_name(f"{name}_best.pt").exists():
            raise CheckpointError(
                f"{exc}; the best checkpoint is intact: continue from it with "
                f"`emotrain resume {root} --model {name} --from best`"
            ) from exc
        raise
    spec = spec_for_checkpoint(ckpt, path)
    if spec.name != name:
        raise CheckpointError(f"{path} holds a {spec.name} checkpoint, not {name}")
    return ckpt


def _has_config(ckpt: dict[str, Any]) -> bool:
    return isinstance(ckpt.get("config"), dict) and bool(ckpt["config"].get("training"))


def _run_config(paths: RunPaths, warnings: list[str]) -> RunConfig | None:
    """The configuration `train` recorded for the whole run (to start models that never began).

    Each checkpoint records its own configuration, so a damaged file costs only the models that
    never started: resume goes on from the checkpoints and says so."""
    try:
        return RunConfig.from_dict(json.loads(paths.run_config.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        warnings.append(
            f"{paths.run_config} is unreadable ({type(exc).__name__}: {exc}); resuming from the "
            "checkpoints alone (a model that never started cannot be resumed; train it with "
            "`emotrain train --model NAME`)"[:400]
        )
        return None


def _apply(config: RunConfig, overrides: dict[str, Any]) -> RunConfig:
    """Old-pipeline checkpoints recorded nothing: the user's options describe the run."""
    data, training = config.data, config.training
    for key, value in overrides.items():
        if value is None or key not in LOCKED:
            continue
        section, attr, _ = LOCKED[key]
        if section == "data":
            data = replace(data, **{attr: str(value) if key == "data" else value})
        else:
            training = replace(training, **{attr: value})
    if data.path and data.format == "synthetic" and overrides.get("data_format") is None:
        data = replace(data, format="auto")  # --data alone means "detect this corpus"
    return replace(config, data=data, training=training)


def _same(key: str, given: Any, recorded: Any, config: RunConfig) -> bool:
    if key == "data":
        return recorded is not None and Path(str(recorded)).resolve() == Path(str(given)).resolve()
    if key == "data_format":
        given = str(given).strip().lower()
        builtin = {"auto", "synthetic"}
        return given == recorded or (config.data.path is None and {given, recorded} <= builtin)
    return given == recorded


def _check_locked(config: RunConfig, overrides: dict[str, Any], name: str) -> None:
    problems = []
    for key, value in overrides.items():
        if value is None or key not in LOCKED:
            continue
        section, attr, flag = LOCKED[key]
        recorded = getattr(getattr(config, section), attr)
        if not _same(key, value, recorded, config):
            problems.append(
                f"{flag}: the run of {name} was recorded with {recorded!r}, not {value!r}; resume "
                "cannot change the data, split or training order (start a new run with "
                "`emotrain train ... --overwrite` instead)"
            )
    if problems:
        raise ConfigError(problems)


def _adjust(
    config: RunConfig,
    name: str,
    epochs: int | None,
    device: str | None,
    plan_notes: list[str],
    warns: list[str],
) -> RunConfig:
    training = config.training
    if epochs is not None and epochs != training.epochs:
        plan_notes.append(f"[{name}] planned epochs changed from {training.epochs} to {epochs}")
        training = replace(training, epochs=epochs)
    if device is not None and device != training.device:
        warns.append(
            f"[{name}] device changed from {training.device} to {device}: results may differ "
            "in the last bits from an uninterrupted run"
        )
        training = replace(training, device=device)
    return replace(config, training=training).validate()


def _status(ckpt: dict[str, Any]) -> str:
    history = ckpt.get("metrics")
    return str(
        ckpt.get("status")
        or (history.get("status", "running") if isinstance(history, dict) else "running")
    )


def _plan_model(
    name: str,
    paths: RunPaths,
    run_config: RunConfig | None,
    *,
    epochs: int | None,
    source: str,
    device: str | None,
    overrides: dict[str, Any],
) -> ResumePlan | str:
    """One model's plan, or the reason there is nothing to do."""
    root = paths.root
    notes: list[str] = []
    warns: list[str] = []
    path = paths.checkpoint(name, source)
    if not path.exists():
        other = paths.checkpoint(name, "latest" if source == "best" else "best")
        if other.exists():
            raise CheckpointError(
                f"no {path.name} in {paths.checkpoints_dir}; there is {other.name}"
            )
        if run_config is None:
            raise CheckpointError(f"no checkpoint of {name} in {paths.checkpoints_dir}")
        _check_locked(run_config, overrides, name)
        config = replace(run_config, models=(name,), output=str(root))
        notes.append(f"[{name}] had not started when the run stopped: training it from the start")
        return ResumePlan(name, "start", _adjust(config, name, epochs, device, notes, warns),
                          warnings=warns, notes=notes)  # fmt: skip

    ckpt = _load(path, name, source, root)
    try:
        if _has_config(ckpt):
            config = RunConfig.from_dict(ckpt["config"])
            try:
                config.validate()
            except ConfigError as exc:  # the file's values, not the user's options
                raise CheckpointError(
                    f"{path}: its recorded configuration is invalid ({exc})"
                ) from exc
            _check_locked(config, overrides, name)
        else:
            config = _apply(RunConfig(models=(name,)), overrides)
            warns.append(
                f"[{name}] checkpoint from the original training scripts: no configuration, RNG "
                "state, scheduler, early-stopping state or split was recorded; continuing with the "
                "options given (default: the built-in synthetic data), a new seeded split and fresh "
                "early-stopping and scheduler state, so the result is not what the original run "
                "would have given"
            )
        config = replace(config, models=(name,), output=str(root))
        config = _adjust(config, name, epochs, device, notes, warns)
        done = int(ckpt.get("epoch", 0) or 0)
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        raise CheckpointError(f"{path}: its recorded configuration is unreadable ({exc})") from exc

    status = _status(ckpt)
    if source == "best":  # a finished run stays finished, whichever checkpoint is named
        with contextlib.suppress(CheckpointError):  # a broken latest is why best was named
            latest = load_checkpoint(paths.checkpoint(name, "latest"))
            status, done_latest = _status(latest), int(latest.get("epoch", 0) or 0)
            if status in FINAL_STATUSES and done_latest >= config.training.epochs:
                done = done_latest
    # "finished" means all planned epochs ran: a larger --epochs continues it; stopping early or
    # diverging is final whatever the plan.
    finished = status in ENDED_EARLY or done >= config.training.epochs
    if finished:
        if paths.export(name).exists() or not paths.checkpoint(name, "best").exists():
            if status in ENDED_EARLY:
                return f"already finished ({status.replace('_', ' ')}; last good epoch {done})"
            return f"already finished ({done} of {config.training.epochs} epochs)"
        notes.append(f"[{name}] training had ended but its export had not been written: writing it")
        return ResumePlan(name, "finish", config, path, ckpt, warns, notes)
    if source == "best":
        notes.append(f"[{name}] continuing from the best checkpoint (epoch {done})")
    return ResumePlan(name, "continue", config, path, ckpt, warns, notes)


def _check_run_folder(root: Path) -> None:
    from emotrain.io import check_folder_writable

    if not root.is_dir():
        raise ConfigError(f"OUTPUT_DIR: {root} is not a folder holding an emotrain run")
    check_folder_writable(root, "OUTPUT_DIR")


def plan_resume(
    output: str | Path,
    *,
    models: list[str] | tuple[str, ...] | str | None = None,
    epochs: int | None = None,
    source: str = "latest",
    device: str | None = None,
    overrides: dict[str, Any] | None = None,
) -> tuple[list[ResumePlan], dict[str, str], list[str]]:
    """Decide what to do for each model of the run, reading files only: nothing is written here."""
    root = Path(output)
    _check_run_folder(root)
    if source not in ("latest", "best"):
        raise ConfigError(f"--from: {source!r} is not one of latest, best")
    if epochs is not None and epochs < 1:
        raise ConfigError(f"--epochs: must be an integer >= 1, got {epochs}")
    paths = RunPaths(root)
    warnings: list[str] = []
    run_config = _run_config(paths, warnings)
    in_run = {
        n
        for n in MODEL_NAMES
        if paths.checkpoint(n, "latest").exists() or paths.checkpoint(n, "best").exists()
    }
    in_run |= set(run_config.models if run_config else ())
    if not in_run:
        raise CheckpointError(
            f"no run to resume in {root} (no {RunPaths(root).run_config.name}, no "
            f"checkpoints/<name>_latest.pt)"
        )
    if models:
        wanted = resolve_models(models)
        absent = [n for n in wanted if n not in in_run]
        if absent:
            raise ConfigError(
                f"--model: the run in {root} has no {', '.join(absent)}; it has "
                f"{', '.join(n for n in MODEL_NAMES if n in in_run)}"
            )
    else:
        wanted = tuple(n for n in MODEL_NAMES if n in in_run)
    plans, skipped = [], {}
    for name in wanted:
        plan = _plan_model(name, paths, run_config, epochs=epochs, source=source, device=device,
                           overrides=overrides or {})  # fmt: skip
        if isinstance(plan, str):
            skipped[name] = plan
        else:
            warnings.extend(plan.warnings)
            plans.append(plan)
    return plans, skipped, warnings


def _finish_only(
    plan: ResumePlan, paths: RunPaths, reporter: Reporter, tolerance: float, loggers: Any
) -> Any:
    """Export and plot a model whose training ended (or whose plan was shortened to what is done)."""
    from emotrain.training.metrics import TrainingMetrics
    from emotrain.training.model_trainer import ModelResult
    from emotrain.training.trainer import finish_model, tracked_files

    ckpt = plan.ckpt or {}
    history = (
        TrainingMetrics.from_dict(ckpt["metrics"])
        if isinstance(ckpt.get("metrics"), dict)
        else None
    )
    if history is not None and history.status not in FINAL_STATUSES:
        # --epochs shortened the plan to what is already done: the run is finished now.
        history.status = "finished"
        ckpt = {**ckpt, "finished": True, "status": "finished", "metrics": history.to_dict()}
        save_checkpoint(paths.checkpoint(plan.name, "latest"), ckpt)
        history.save(paths.history_dir)
    result = ModelResult(
        name=plan.name,
        status=history.status if history else "finished",
        best_epoch=ckpt.get("best_epoch"),
        best_val_loss=ckpt.get("best_val_loss"),
        val_metrics=dict(ckpt.get("val_metrics") or {}),
        epochs_run=int(ckpt.get("epoch", 0) or 0),
        stop_reason=history.stop_reason if history else None,
    )
    finish_model(result, paths, history.to_dict() if history else {}, reporter, tolerance=tolerance)
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
    tolerance: float = 1e-5,
    on_epoch: Any = None,
    loggers: Any = None,
) -> ResumeOutcome:
    """What `emotrain resume` runs: finish every model of the run in `output`; `tolerance` is the
    export check's, as for `train`. `loggers` (LoggerOptions): None continues the trackers the run
    recorded."""
    from emotrain.training.trainer import check_tolerance

    check_tolerance(tolerance)
    reporter = reporter or Reporter()
    _check_run_folder(Path(output))
    with run_folder_lock(output):
        return _resume_locked(
            output, models=models, epochs=epochs, source=source, device=device,
            overrides=overrides, reporter=reporter, stop_event=stop_event, tolerance=tolerance, on_epoch=on_epoch,
            loggers=loggers,
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
    loggers: Any,
) -> ResumeOutcome:
    from emotrain.training.device import resolve_device
    from emotrain.training.loggers.base import LoggerSet, open_loggers, resolve_options
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
                results.append(_finish_only(plan, paths, reporter, tolerance, trackers))
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
                loggers=trackers,
            )
    finally:
        trackers.close()
        reporter.close()
    return ResumeOutcome(results, skipped, warnings)
