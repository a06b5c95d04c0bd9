"""Continue an interrupted run to exactly the result the uninterrupted run would have had.

What wins on a conflict: the run's recorded configuration, always, except `--epochs` (which extends or
shortens the plan) and `--device`. Options that would change the data, the split or the data order are
accepted only when they equal the recorded values, so a script can pass its usual flags safely.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from emotrain.config import RunConfig
from emotrain.errors import CheckpointError, ConfigError, DataError
from emotrain.models.registry import MODEL_NAMES, resolve_models
from emotrain.training.checkpoint import load_checkpoint, spec_for_checkpoint
from emotrain.training.paths import RunPaths
from emotrain.training.progress import Reporter

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


@dataclass
class ResumePlan:
    name: str
    checkpoint: Path
    ckpt: dict[str, Any]
    config: RunConfig
    warnings: list[str] = field(default_factory=list)  # what could not be kept as recorded
    notes: list[str] = field(default_factory=list)  # what the user asked to change


@dataclass
class ResumeOutcome:
    results: list[Any]
    skipped: dict[str, str]  # model -> why nothing was done
    warnings: list[str]


def _checkpoint_path(paths: RunPaths, name: str, source: str) -> Path:
    return paths.checkpoint(name, "best" if source == "best" else "latest")


def _load(path: Path, source: str, root: Path) -> dict[str, Any]:
    try:
        return load_checkpoint(path)
    except CheckpointError as exc:
        if source == "latest" and path.with_name(path.name.replace("_latest", "_best")).exists():
            raise CheckpointError(
                f"{exc}; the best checkpoint is intact: continue from it with "
                f"`emotrain resume {root} --from best`"
            ) from exc
        raise


def _recorded_config(ckpt: dict[str, Any], name: str, root: Path, warnings: list[str]) -> RunConfig:
    if _has_config(ckpt):
        config = RunConfig.from_dict(ckpt["config"])
    else:
        config = RunConfig(models=(name,))
        warnings.append(
            f"[{name}] checkpoint from the original training scripts: no configuration, RNG state, "
            "scheduler, early-stopping state or split was recorded; continuing on the built-in "
            "synthetic data with today's defaults, a new seeded split, fresh early-stopping and "
            "scheduler state, so the result is not what the original run would have given"
        )
    return replace(config, models=(name,), output=str(root))


def _has_config(ckpt: dict[str, Any]) -> bool:
    return isinstance(ckpt.get("config"), dict) and bool(ckpt["config"].get("training"))


def _apply(config: RunConfig, overrides: dict[str, Any]) -> RunConfig:
    data, training = config.data, config.training
    for key, value in overrides.items():
        if value is None or key not in LOCKED:
            continue
        section, attr, _ = LOCKED[key]
        value = str(value) if key == "data" else value
        if section == "data":
            data = replace(data, **{attr: value})
        else:
            training = replace(training, **{attr: value})
    return replace(config, data=data, training=training)


def remove_stale_temp_files(root: Path) -> int:
    """A crash mid-write leaves `.<file>.<random>.tmp` beside the good file; they are never valid."""
    removed = 0
    for folder in (root, root / "checkpoints", root / "history", root / "splits", root / "plots"):
        if folder.is_dir():
            for p in folder.glob(".*.tmp"):
                p.unlink(missing_ok=True)
                removed += 1
    return removed


def _check_locked(config: RunConfig, overrides: dict[str, Any], name: str) -> None:
    problems = []
    for key, value in overrides.items():
        if value is None or key not in LOCKED:
            continue
        section, attr, flag = LOCKED[key]
        recorded = getattr(getattr(config, section), attr)
        given = str(value) if key == "data" else value
        if given != recorded:
            problems.append(
                f"{flag}: the run of {name} was recorded with {recorded!r}, not {given!r}; resume "
                "cannot change the data, split or training order (start a new run with "
                "`emotrain train ... --overwrite` instead)"
            )
    if problems:
        raise ConfigError(problems)


def plan_resume(
    output: str | Path,
    *,
    models: list[str] | tuple[str, ...] | str | None = None,
    epochs: int | None = None,
    source: str = "latest",
    device: str | None = None,
    overrides: dict[str, Any] | None = None,
) -> tuple[list[ResumePlan], dict[str, str], list[str]]:
    """Decide what to continue, reading checkpoints only: nothing is written here."""
    root = Path(output)
    if not root.is_dir():
        raise ConfigError(f"OUTPUT_DIR: {root} is not a folder holding an emotrain run")
    if source not in ("latest", "best"):
        raise ConfigError(f"--from: {source!r} is not one of latest, best")
    if epochs is not None and epochs < 1:
        raise ConfigError(f"--epochs: must be an integer >= 1, got {epochs}")
    paths = RunPaths(root)
    wanted = resolve_models(models) if models else MODEL_NAMES
    present = [n for n in wanted if _checkpoint_path(paths, n, source).exists()]
    if not present:
        looked = paths.checkpoints_dir / f"<name>_{source}.pt"
        raise CheckpointError(f"no checkpoint to resume from in {root} (looked for {looked})")
    plans, skipped, warnings = [], {}, []
    for name in present:
        path = _checkpoint_path(paths, name, source)
        ckpt = _load(path, source, root)
        spec = spec_for_checkpoint(ckpt, path)
        if spec.name != name:
            raise CheckpointError(f"{path} holds a {spec.name} checkpoint, not {name}")
        notes: list[str] = []
        warns: list[str] = []
        config = _recorded_config(ckpt, name, root, warns)
        if _has_config(ckpt):
            _check_locked(config, overrides or {}, name)
        else:  # nothing recorded to protect: the user's options describe the run
            config = _apply(config, overrides or {})
        training = config.training
        if epochs is not None and epochs != training.epochs:
            notes.append(f"[{name}] planned epochs changed from {training.epochs} to {epochs}")
            training = replace(training, epochs=epochs)
        if device is not None and device != training.device:
            warns.append(
                f"[{name}] device changed from {training.device} to {device}: results may differ "
                "in the last bits from an uninterrupted run"
            )
            training = replace(training, device=device)
        config = replace(config, training=training)
        config.validate()
        done = int(ckpt.get("epoch", 0))
        history = ckpt.get("metrics")
        status = ckpt.get("status") or (
            history.get("status", "running") if isinstance(history, dict) else "running"
        )
        if status in ("early_stopped", "diverged"):
            skipped[name] = f"already finished ({status.replace('_', ' ')} at epoch {done})"
            continue
        if done >= training.epochs:
            skipped[name] = f"already finished ({done} of {training.epochs} epochs)"
            continue
        if source == "best":
            notes.append(f"[{name}] continuing from the best checkpoint (epoch {done})")
        warnings.extend(warns)
        plans.append(ResumePlan(name, path, ckpt, config, warns, notes))
    return plans, skipped, warnings


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
) -> ResumeOutcome:
    """What `emotrain resume` runs: continue every unfinished model of the run in `output`."""
    from emotrain.training.device import resolve_device
    from emotrain.training.trainer import PreparedModel, load_model_data, run_models

    reporter = reporter or Reporter()
    plans, skipped, warnings = plan_resume(
        output, models=models, epochs=epochs, source=source, device=device, overrides=overrides
    )
    results: list[Any] = []
    if plans:
        remove_stale_temp_files(Path(output))
    for message in warnings:
        reporter.warn(message)
    for plan in plans:
        for message in plan.notes:
            reporter.message(message)
    try:
        for plan in plans:
            config = plan.config
            dev = resolve_device(config.training.device)
            data = load_model_data(plan.name, config, reporter)
            recorded = plan.ckpt.get("data_fingerprint")
            if recorded and recorded != data.fingerprint():
                raise DataError(
                    f"[{plan.name}] the training data changed since the run started (fingerprint "
                    f"{recorded[:12]} recorded, {data.fingerprint()[:12]} now); resuming would mix "
                    "two datasets. Restore the data, or start a new run with --overwrite"
                )
            ckpt = dict(plan.ckpt)
            results += run_models(
                config,
                [PreparedModel(plan.name, data)],
                RunPaths(Path(config.output)),
                reporter,
                device=dev,
                stop_event=stop_event,
                checkpoints={plan.name: ckpt},
            )
    finally:
        reporter.close()
    return ResumeOutcome(results, skipped, warnings)
