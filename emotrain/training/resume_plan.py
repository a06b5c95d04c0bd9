"""Decide, reading files only, what `resume` does for each model of a run.

A run can stop anywhere: inside a model's epochs (continue it from its checkpoint), before a model of
`--model all` ever started (start it with the run's recorded configuration), or after a model's last
checkpoint but before its export (redo the export and plots).
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from emotrain.config import RunConfig
from emotrain.errors import CheckpointError, ConfigError
from emotrain.models.catalog import MODEL_NAMES, resolve_models
from emotrain.runs.checkpoint import Checkpoint
from emotrain.runs.paths import RunPaths
from emotrain.runs.status import ENDED_EARLY, FINAL_STATUSES, RunStatus
from emotrain.training.checkpoint import load_checkpoint, spec_for_checkpoint
from emotrain.training.resume_settings import adjust, apply_overrides, check_locked


@dataclass
class ResumePlan:
    name: str
    action: str  # "continue" from ckpt, "start" from scratch, "finish" (export and plots only)
    config: RunConfig
    checkpoint: Path | None = None
    ckpt: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)  # what could not be kept as recorded
    notes: list[str] = field(default_factory=list)  # what the user asked to change


def _load(path: Path, name: str, source: str, root: Path) -> dict[str, Any]:
    try:
        ckpt = load_checkpoint(path)
    except CheckpointError as exc:
        raise CheckpointError(f"{exc}; {_recovery_hint(path, name, source, root)}") from exc
    spec = spec_for_checkpoint(ckpt, path)
    if spec.name != name:
        raise CheckpointError(f"{path} holds a {spec.name} checkpoint, not {name}")
    return ckpt


def _recovery_hint(path: Path, name: str, source: str, root: Path) -> str:
    """A command that works: the other checkpoint only when it loads, else training anew."""
    other = "best" if source == "latest" else "latest"
    try:
        load_checkpoint(path.with_name(f"{name}_{other}.pt"))
    except CheckpointError:
        config = root / "run_config.toml"
        given = f"--config {config} " if config.is_file() else ""
        return (
            f"no checkpoint of {name} can be read; train it again with "
            f"`emotrain train {given}--model {name} --output {root} --overwrite`"
        )
    return (
        f"the {other} checkpoint is intact: continue from it with "
        f"`emotrain resume {root} --model {name} --from {other}`"
    )


def _has_config(ckpt: dict[str, Any]) -> bool:
    config = Checkpoint.from_dict(ckpt).config
    return isinstance(config, dict) and bool(config.get("training"))


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


def _status(ckpt: dict[str, Any]) -> RunStatus:
    c = Checkpoint.from_dict(ckpt)
    history = c.metrics if isinstance(c.metrics, dict) else {}
    return RunStatus.of(c.status or history.get("status"))


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
        check_locked(run_config, overrides, name)
        config = replace(run_config, models=(name,), output=str(root))
        notes.append(f"[{name}] had not started when the run stopped: training it from the start")
        return ResumePlan(name, "start", adjust(config, name, epochs, device, notes, warns),
                          warnings=warns, notes=notes)  # fmt: skip

    ckpt = _load(path, name, source, root)
    try:
        if _has_config(ckpt):
            config = RunConfig.from_dict(Checkpoint.from_dict(ckpt).config)
            try:
                config.validate()
            except ConfigError as exc:  # the file's values, not the user's options
                raise CheckpointError(
                    f"{path}: its recorded configuration is invalid ({exc})"
                ) from exc
            check_locked(config, overrides, name)
        else:
            config = apply_overrides(RunConfig(models=(name,)), overrides)
            warns.append(
                f"[{name}] checkpoint from the original training scripts: no configuration, RNG "
                "state, scheduler, early-stopping state or split was recorded; continuing with the "
                "options given (default: the built-in synthetic data), a new seeded split and fresh "
                "early-stopping and scheduler state, so the result is not what the original run "
                "would have given"
            )
        config = replace(config, models=(name,), output=str(root))
        config = adjust(config, name, epochs, device, notes, warns)
        done = int(Checkpoint.from_dict(ckpt).epoch or 0)
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


def train_command(paths: RunPaths, config: RunConfig | None) -> str:
    """The `emotrain train` command that starts the run in `paths.root` afresh: from the TOML file
    a run writes beside run_config.json when there is one, else from the recorded configuration,
    else the folder alone (the options first given cannot be known)."""
    import shlex

    from emotrain.config import DataConfig, TrainingConfig

    root = shlex.quote(str(paths.root))
    if paths.run_config_toml.is_file():
        return f"emotrain train --config {shlex.quote(str(paths.run_config_toml))} --output {root}"
    if config is None:
        return f"emotrain train --output {root}"
    words = ["emotrain", "train"] + (["--model", ",".join(config.models)] if config.models else [])
    for section, defaults in ((config.data, DataConfig()), (config.training, TrainingConfig())):
        for key, value in vars(section).items():
            builtin = key == "format" and value in ("auto", "synthetic") and not config.data.path
            if value == getattr(defaults, key) or value is None or builtin:
                continue
            flag = "--data" if key == "path" else "--data-format" if key == "format" else None
            flag = flag or f"--{key.replace('_', '-')}"
            words += [flag] if value is True else [flag, shlex.quote(str(value))]
    return " ".join([*words, "--output", root])


#: What a run folder holds besides its models' exports (`<name>.json`).
_RUN_PARTS = {"checkpoints", "history", "plots", "splits", "tensorboard", "mlruns", "evaluation"}


def _not_run_files(root: Path) -> list[str]:
    """Names in `root` that no run writes (songs, a corpus): then `root` is the wrong folder, and
    suggesting `train --output root` would train into the user's own files."""
    found = []
    for entry in sorted(root.iterdir()):
        name = entry.name
        if name.startswith(".") or name in _RUN_PARTS or name.startswith("run_config."):
            continue
        if entry.is_file() and name.endswith(".json"):
            continue
        found.append(name + ("/" if entry.is_dir() else ""))
    return found


def check_run_folder(root: Path) -> None:
    from emotrain.io import check_folder_writable

    if not root.is_dir():
        raise ConfigError(f"RUN_DIR: {root} is not a folder holding an emotrain run")
    check_folder_writable(root, "RUN_DIR")


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
    check_run_folder(root)
    if source not in ("latest", "best"):
        raise ConfigError(f"--from: {source!r} is not one of latest, best")
    if epochs is not None and epochs < 1:
        raise ConfigError(f"--epochs: must be an integer >= 1, got {epochs}")
    from emotrain.config import cap_epochs

    epochs = cap_epochs(epochs)
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
        foreign = _not_run_files(root)
        if foreign:
            shown = ", ".join(foreign[:3]) + (
                f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
            )
            raise ConfigError(
                f"RUN_DIR: {root} is not an emotrain run folder: it holds {shown} and no "
                f"{paths.run_config.name} or checkpoints/; give the folder that `emotrain train "
                "--output` wrote"
            )
        raise CheckpointError(
            f"nothing to resume in {root}: no {paths.run_config.name} and no "
            "checkpoints/<name>_latest.pt, so the run stopped before it wrote any; start it with "
            f"`{train_command(paths, run_config)}`"
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
