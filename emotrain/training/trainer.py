"""A training run's lifecycle: check inputs -> load data -> per model: split, train, export, plot.

Everything a user can get wrong is checked before the first byte is written: the configuration, the
device, the data, and whether the output folder already holds a run of these models.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from emotrain.config import RunConfig, model_seed
from emotrain.configfile import write_run_config_toml
from emotrain.data.base import SequenceData
from emotrain.data.split import write_manifest
from emotrain.errors import (
    CheckpointError,
    ExportError,
    RunInterrupted,
)
from emotrain.io import atomic_write_json, check_folder_writable
from emotrain.models.catalog import get_spec
from emotrain.runs.checkpoint import Checkpoint
from emotrain.runs.paths import RunPaths
from emotrain.runs.status import RunStatus
from emotrain.tolerance import DEFAULT_TOLERANCE
from emotrain.training.loggers.base import LoggerOptions, LoggerSet
from emotrain.training.model_trainer import EpochCallback, ModelResult, ModelTrainer
from emotrain.training.preflight import (
    PreparedModel,
    check_cache_dir,
    check_models_fit_data,
    check_output,
    check_tolerance,
    check_validation_songs,
    new_split,
)
from emotrain.training.progress import Reporter
from emotrain.training.run_lock import run_folder_lock

#: (best checkpoint, run folder, tolerance) -> (the file written, its float32 error or None),
#: raising ExportError when the file does not reproduce the checkpoint. Training calls it at a
#: model's end and knows no exporter itself: `emotrain.pipeline` passes the RTNeural one in, so
#: training stays below export/ (docs/architecture.md).
Exporter = Callable[[Path, Path, float], tuple[Path, "float | None"]]


def load_model_data(name: str, config: RunConfig, reporter: Reporter) -> SequenceData:
    """One model's data as training (and resume) see it, with the source's notes and skips shown."""
    from emotrain.data.sources import load_data

    data = load_data(
        get_spec(name),
        config.data,
        model_seed(config.training.seed, name),
        output_dir=Path(config.output),
        progress=lambda label, done, total: reporter.data_progress(
            f"[{name}] {label}", done, total
        ),
    )
    for note in data.report.notes:
        reporter.message(f"[{name}] {note}")
    if data.report.skipped:
        reporter.warn(
            f"[{name}] skipped {len(data.report.skipped)} item(s): "
            + "; ".join(f"{s.item}: {s.reason}" for s in data.report.skipped[:5])
            + (" ..." if len(data.report.skipped) > 5 else "")
        )
    return data


def prepare_data(config: RunConfig, reporter: Reporter) -> list[PreparedModel]:
    return [PreparedModel(name, load_model_data(name, config, reporter)) for name in config.models]


def finish_model(
    result: ModelResult,
    paths: RunPaths,
    history: dict,
    reporter: Reporter,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    exporter: Exporter | None = None,
) -> None:
    """The end of a model's run, from its files alone: export `best.pt` through `exporter` (the
    pipeline's is `emotrain export-rtneural`'s, verified on the same sequence, so both give the
    same figure; None: no export) and draw the curves, recording both in `result`. Working from
    files lets `resume` redo it for a run killed between its last checkpoint and its export.

    An export that fails verification does not end the run: the model's status becomes
    `export_failed` with the reason, no JSON of it is left, and the other models still train.
    """
    from emotrain.plotting import plot_history

    name = result.name
    files: dict[str, Path] = {
        "latest": paths.checkpoint(name, "latest"),
        "history": paths.history_json(name),
    }
    best = paths.checkpoint(name, "best")
    if not best.exists():
        reporter.message(f"[{name}] no epoch completed a finite validation; nothing exported")
    else:
        files["best"] = best
    if best.exists() and exporter is not None:
        try:
            exported, error = exporter(best, paths.root, tolerance)
        except ExportError as exc:
            paths.export(name).unlink(missing_ok=True)  # an older export would pass for this one
            result.status, result.export_failure = RunStatus.EXPORT_FAILED, str(exc)
            reporter.warn(f"[{name}] export failed; its checkpoints are kept: {exc}")
        else:
            files["export"] = exported
            result.export_error = error
    for p in plot_history(history, paths.plots_dir):
        files[p.stem.rsplit("_", 1)[-1] + "_plot"] = p
    result.files = files


def _finish(
    trainer: ModelTrainer,
    result: ModelResult,
    paths: RunPaths,
    reporter: Reporter,
    tolerance: float,
    finish: bool = True,
    exporter: Exporter | None = None,
) -> None:
    trainer.restore_best()  # the trainer ends holding the best weights, read from best.pt
    if finish:
        history = trainer.history.to_dict()
        finish_model(result, paths, history, reporter, tolerance=tolerance, exporter=exporter)
    else:  # a tuning trial: export and plots only when someone needs them (see finish_model)
        result.files = {"latest": paths.checkpoint(result.name, "latest"),
                        "history": paths.history_json(result.name)}  # fmt: skip


def tracked_files(result: ModelResult, paths: RunPaths) -> dict[str, Path]:
    """What trackers receive at a model's end: the export, plots, history, split and config (not
    the checkpoints, which `resume` needs in the run folder anyway)."""
    files = {k: p for k, p in result.files.items() if k not in ("latest", "best")}
    extra = {
        "history_csv": paths.history_csv(result.name),
        "split": paths.split(result.name),
        "run_config": paths.run_config,
    }
    files.update({k: p for k, p in extra.items() if p.exists()})
    return files


def run_models(
    config: RunConfig,
    prepared: list[PreparedModel],
    paths: RunPaths,
    reporter: Reporter,
    *,
    device,
    stop_event: threading.Event | None = None,
    checkpoints: dict | None = None,
    rewrite_latest: bool = False,
    tolerance: float = DEFAULT_TOLERANCE,
    on_epoch: EpochCallback | None = None,
    finish: bool = True,
    loggers: LoggerSet | None = None,
    exporter: Exporter | None = None,
) -> list[ModelResult]:
    """Train each prepared model; `checkpoints` maps names to a state to continue from (resume).

    `finish=False` skips the export and the plots (a tuning trial: most are never shipped; `resume`
    on the folder writes them later, as for a run killed before its export).

    `rewrite_latest`: the state came from another file (`--from best`), so `latest.pt` is made to
    match it before training goes on; otherwise it would describe a future this run will not have.
    """
    results = []
    for item in prepared:
        spec = get_spec(item.name)
        ckpt = (checkpoints or {}).get(item.name)
        recorded = Checkpoint.from_dict(ckpt).split if ckpt is not None else None
        if recorded:
            from emotrain.data.split import split_from_manifest

            manifest = recorded
            split = split_from_manifest(
                item.data.groups, manifest, source=f"the split recorded in {item.name}'s checkpoint"
            )
        else:
            split = new_split(config, item)
            unit = "sequence" if config.data.kind == "synthetic" else "song"
            manifest = split.manifest(
                item.name,
                config.training.seed,
                config.data.validation_split,
                unit,
                config.data.validation_songs,
            )
            write_manifest(paths.split(item.name), manifest)
        trainer = ModelTrainer(
            spec,
            config,
            item.data,
            split,
            paths,
            device=device,
            reporter=reporter,
            stop_event=stop_event,
            split_manifest=manifest,
            on_epoch=on_epoch,
            loggers=loggers,
        )
        if ckpt is not None:
            try:
                trainer.load_state(ckpt)
            except (
                TypeError,
                ValueError,
                KeyError,
                AttributeError,
                IndexError,
                RuntimeError,
            ) as exc:
                raise CheckpointError(
                    f"{item.name}: the checkpoint's training state is unreadable "
                    f"({type(exc).__name__}: {exc})"[:300]
                ) from exc
            if rewrite_latest:
                trainer._save_latest()
        if loggers:
            loggers.on_model_start(item.name, config.to_dict(), trainer.history.rows)
        result = trainer.fit()
        if stop_event is not None and stop_event.is_set():
            # A stop that came after the last epoch: not ignored. The checkpoints are whole, and
            # `resume` does the export and plots it skips (finish_model works from files).
            from emotrain.training.model_trainer import Interrupted

            raise Interrupted
        _finish(trainer, result, paths, reporter, tolerance, finish, exporter)
        if loggers:
            loggers.on_model_end(item.name, result.status, tracked_files(result, paths))
        results.append(result)
    return results


def _merged_run_config(paths: RunPaths, config: RunConfig) -> dict[str, Any]:
    """This command's configuration, listing also the models earlier commands trained into the
    folder, so `resume` still knows every model of the run (each checkpoint keeps its own config)."""
    import json

    models = set(config.models)
    try:
        earlier = json.loads(paths.run_config.read_text(encoding="utf-8")).get("models", [])
        models.update(m for m in earlier if isinstance(m, str) and paths.has_run(m))
    except (OSError, ValueError, AttributeError):
        pass  # no earlier run, or an unreadable file that this write replaces
    from emotrain.models.catalog import MODEL_NAMES

    return config.with_models(tuple(n for n in MODEL_NAMES if n in models)).to_dict()


def train(
    config: RunConfig,
    *,
    overwrite: bool = False,
    reporter: Reporter | None = None,
    stop_event: threading.Event | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    on_epoch: EpochCallback | None = None,
    prepared: list[PreparedModel] | None = None,
    finish: bool = True,
    loggers: LoggerOptions | None = None,
    exporter: Exporter | None = None,
) -> list[ModelResult]:
    """Train `config.models` into `config.output`; what `emotrain train` runs. `tolerance` is the
    export check's (see docs/export.md).

    `prepared`: data already loaded for exactly this configuration (a tuning worker trains many
    trials on the same tensors instead of loading them per trial). `loggers`: experiment trackers
    beside the history (docs/train.md, "Experiment trackers"). `exporter`: how a model's best
    checkpoint becomes the plugin's file (emotrain.pipeline.train passes the RTNeural exporter;
    None: checkpoints, history and plots only)."""
    from emotrain.training.device import resolve_device
    from emotrain.training.loggers.base import resolve_options
    from emotrain.training.loggers.trackers import open_loggers

    reporter = reporter or Reporter()
    config.validate()
    tracking = resolve_options(loggers, Path(config.output), resuming=False)
    check_tolerance(tolerance)
    check_cache_dir(config)
    check_models_fit_data(config)
    check_validation_songs(config)
    device = resolve_device(config.training.device)
    check_folder_writable(Path(config.output))
    with run_folder_lock(config.output):
        paths = check_output(config, overwrite)
        if prepared is None:
            prepared = prepare_data(config, reporter)
        check_validation_songs(config, prepared)
        if stop_event is not None and stop_event.is_set():
            raise RunInterrupted(
                f"interrupted before training started; {paths.root} was not changed"
            )
        # Inputs are valid: from here on the run folder may change.
        if overwrite:
            import shutil

            from emotrain.training.loggers.tensorboard import tensorboard_dir

            for name in config.models:
                for f in paths.model_files(name):
                    f.unlink(missing_ok=True)
                # The old run's curves would otherwise read as this one's.
                shutil.rmtree(tensorboard_dir(paths.root, name), ignore_errors=True)
        merged = _merged_run_config(paths, config)
        atomic_write_json(paths.run_config, merged)
        write_run_config_toml(paths.run_config_toml, RunConfig.from_dict(merged))
        trackers = open_loggers(tracking, paths.root, reporter.warn, resuming=False)
        try:
            return run_models(
                config,
                prepared,
                paths,
                reporter,
                device=device,
                stop_event=stop_event,
                tolerance=tolerance,
                on_epoch=on_epoch,
                finish=finish,
                loggers=trackers,
                exporter=exporter,
            )
        finally:
            trackers.close()
            reporter.close()
