"""The evaluation report: each model's figures beside its trivial baseline's, as one JSON dict.

The report is the contract with shell scripts (`emotrain evaluate --json | jq ...`), so its shape is
plain and stable: `models.<name>.metrics` and `models.<name>.baseline` have the same keys,
`comparison` holds each figure's difference and bootstrap interval, and `headline` says in one
place whether the model is better than the baseline on the figure it is judged by (see verdicts.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from emotrain._version import __version__
from emotrain.errors import CheckpointError, ConfigError, DataError
from emotrain.evaluation import REPORT_FILE
from emotrain.evaluation.data import ExternalData, choose_data
from emotrain.evaluation.predict import predict
from emotrain.evaluation.verdicts import MIN_RESAMPLES, BootstrapOptions
from emotrain.io import atomic_write_json, check_folder_can_be_made, check_folder_writable
from emotrain.runs.discovery import find_checkpoints, locate

ProgressFn = Callable[[str], None]


def evaluate_checkpoint(
    path: str | Path,
    *,
    kind: str = "best",
    run_dir: Path | None = None,
    external: ExternalData | None = None,
    cache_dir: str | None = None,
    seed: int | None = None,
    device: str = "cpu",
    batch_size: int = 256,
    output_dir: Path | None = None,
    bootstrap: BootstrapOptions | None = None,
) -> dict[str, Any]:
    """One model's report entry: its checkpoint judged on its data, beside the mean baseline.

    `seed` only matters where no recorded configuration fixes the data (old checkpoints, or
    `external` synthetic data); a run's own seed always rebuilds its own data. `output_dir` is
    where the features of an `external` audio corpus are cached (`<output_dir>/cache/features`)
    unless `cache_dir` is given; without either, the per-user cache folder is used.
    """
    import torch

    from emotrain.evaluation.judge import judge
    from emotrain.evaluation.whole_songs import torch_streamer
    from emotrain.models.layers import multiply_adds_per_frame
    from emotrain.models.network import count_parameters
    from emotrain.runs.checkpoint import Checkpoint
    from emotrain.training.checkpoint import load_checkpoint_model

    path = Path(path)
    ckpt, spec, model = load_checkpoint_model(path)
    model = model.to(device).eval()
    named = Checkpoint.from_dict(ckpt)

    data = choose_data(spec, ckpt, run_dir, external, cache_dir, seed, output_dir)
    pred = predict(model, data.inputs, batch_size=batch_size, device=device)
    if not bool(torch.isfinite(pred).all()):
        raise CheckpointError(
            f"cannot evaluate {path}: its predictions are not finite (NaN/inf weights?)"
        )
    opts = bootstrap or BootstrapOptions()
    fields, figure_notes = judge(spec, pred, data, torch_streamer(model, device), opts, str(path))
    notes = list(data.notes)
    if kind != "best":
        notes.insert(
            0, f"no {spec.name}_best.pt found; evaluated the {kind} checkpoint {path.name}"
        )
    return {
        "checkpoint": str(path),
        "checkpoint_kind": kind,
        "checkpoint_format": named.format_label,
        "epoch": named.epoch,
        "best_epoch": named.best_epoch,
        "data": data.description,
        "parameters": count_parameters(model),
        "macs_per_frame": multiply_adds_per_frame(model.layer_specs),
        "loss": spec.loss,
        **fields,
        "notes": notes + figure_notes,
    }


def evaluate_export(
    text: str,
    *,
    registry: Any = None,
    external: ExternalData | None = None,
    cache_dir: str | None = None,
    seed: int | None = None,
    output_dir: Path | None = None,
    bootstrap: BootstrapOptions | None = None,
) -> dict[str, Any]:
    """An exported JSON file or a registry version judged as a checkpoint is, through the reference
    interpreter (the file that ships): on its run's validation split when its run can be found
    (beside the file, or the version's lineage), else as `choose_data` decides."""
    import torch

    from emotrain.evaluation.judge import judge
    from emotrain.evaluation.sides import resolve_side
    from emotrain.models.catalog import get_spec
    from emotrain.models.layers import multiply_adds_per_frame

    side = resolve_side(text, registry=registry)
    spec = get_spec(side.name)
    data = choose_data(spec, side.ckpt, side.run_dir, external, cache_dir, seed, output_dir)
    pred = side.predict(data.inputs)
    if not bool(torch.isfinite(pred).all()):
        raise CheckpointError(f"cannot evaluate {side.label}: its predictions are not finite")
    opts = bootstrap or BootstrapOptions()
    fields, figure_notes = judge(spec, pred, data, side.streamer, opts, side.label)
    return {
        "model": spec.name,
        "checkpoint": side.label,
        "checkpoint_kind": side.kind,
        "checkpoint_format": "rtneural-json",
        "sha256": side.sha256,
        "epoch": None,
        "best_epoch": None,
        "data": data.description,
        "parameters": spec.parameters,
        "macs_per_frame": multiply_adds_per_frame(spec.layers),
        "loss": spec.loss,
        **fields,
        "notes": [
            "run by the reference RTNeural interpreter (float32), as the plugin runs the file",
            *data.notes,
            *figure_notes,
        ],
    }


def check_output_folder(folder: Path, file_name: str | None = None) -> None:
    """The report's folder must be possible and writable, and its file name free for a file."""
    check_folder_writable(folder)
    if file_name is not None and (folder / file_name).is_dir():
        raise ConfigError(
            f"--output: {folder / file_name} is a folder; the report needs that name for a file"
        )


def evaluate(
    checkpoint_dir: str | Path,
    *,
    output: str | Path | None = None,
    models: Any = None,
    data: str | Path | None = None,
    data_format: str = "auto",
    cache_dir: str | Path | None = None,
    seed: int | None = None,
    device: str = "auto",
    batch_size: int = 256,
    progress: ProgressFn | None = None,
    resamples: int = BootstrapOptions.n_resamples,
    bootstrap_seed: int = BootstrapOptions.seed,
    registry: str | Path | None = None,
    allow_untrained: bool = False,
) -> dict[str, Any]:
    """What `emotrain evaluate` does: find the checkpoints, judge each, write the report.

    A checkpoint that never finished an epoch is refused, before anything is judged or written,
    as `export-rtneural` and `registry add` refuse it, unless `allow_untrained`.

    `checkpoint_dir` may also be an exported JSON file or a registry version `NAME@N` (in
    `registry`, else $EMOTRAIN_REGISTRY, else ./emotrain-registry): that one file is judged through
    the reference interpreter. Returns the report dict; with `output`, also writes
    `<output>/evaluation_results.json`.
    """
    from emotrain.config import DATA_FORMATS
    from emotrain.models.catalog import resolve_models
    from emotrain.training.device import resolve_device

    if batch_size < 1:
        raise ConfigError(f"--batch-size: must be an integer >= 1, got {batch_size}")
    if data_format not in DATA_FORMATS:
        raise ConfigError(f"--data-format: {data_format!r} is not one of {', '.join(DATA_FORMATS)}")
    if output is not None:  # before any model is evaluated, not at the end
        check_output_folder(Path(output), REPORT_FILE)
    if cache_dir is not None:
        check_folder_can_be_made(Path(cache_dir), "--cache-dir")
    if seed is not None and not 0 <= seed < 2**32:
        raise ConfigError(f"--seed: must be an integer from 0 to {2**32 - 1}, got {seed}")
    if resamples < MIN_RESAMPLES:
        raise ConfigError(f"--resamples: must be an integer >= {MIN_RESAMPLES}, got {resamples}")
    if not 0 <= bootstrap_seed < 2**32:
        raise ConfigError(
            f"--bootstrap-seed: must be an integer from 0 to {2**32 - 1}, got {bootstrap_seed}"
        )
    wanted = resolve_models(models) if models else None
    external = None
    if data is not None or data_format != "auto":
        external = ExternalData(None if data is None else str(data), data_format, seed)
    report: dict[str, Any] = {
        "emotrain_version": __version__,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "source": str(checkpoint_dir),
        "models": {},
    }
    source = Path(checkpoint_dir)
    if (source.is_file() and source.suffix.lower() == ".json") or (
        not source.exists() and "@" in str(checkpoint_dir)
    ):
        if progress is not None:
            progress(f"evaluating {checkpoint_dir} through the reference interpreter")
        entry = evaluate_export(
            str(checkpoint_dir), registry=registry, external=external,
            cache_dir=None if cache_dir is None else str(cache_dir), seed=seed,
            output_dir=None if output is None else Path(output),
            bootstrap=BootstrapOptions(resamples, bootstrap_seed),
        )  # fmt: skip
        if wanted and entry["model"] not in wanted:
            raise ConfigError(
                f"--model: {checkpoint_dir} holds {entry['model']}, not {', '.join(wanted)}"
            )
        report["models"][entry["model"]] = entry
        return _write(report, output)
    folder, run_dir = locate(checkpoint_dir)
    found = find_checkpoints(folder, wanted)
    from emotrain.training.readiness import check_not_training

    check_not_training(checkpoint_dir, [f.name for f in found])
    untrained = _untrained(found, allow_untrained)
    torch_device = resolve_device(device)
    failed: dict[str, str] = {}
    for item in found:
        if progress is not None:
            progress(f"evaluating {item.name} ({item.path})")
        try:
            report["models"][item.name] = evaluate_checkpoint(
                item.path,
                kind=item.kind,
                run_dir=run_dir,
                external=external,
                cache_dir=None if cache_dir is None else str(cache_dir),
                seed=seed,
                device=torch_device,
                batch_size=batch_size,
                output_dir=None if output is None else Path(output),
                bootstrap=BootstrapOptions(resamples, bootstrap_seed),
            )
        except CheckpointError as exc:  # one bad file does not cost the others their report
            if len(found) == 1:
                raise
            failed[item.name] = str(exc)
            continue
        if item.name in untrained:
            report["models"][item.name]["notes"].insert(0, untrained[item.name])
    if failed and not report["models"]:
        raise CheckpointError("; ".join(failed.values()))
    if failed:
        report["failed"] = failed  # written with the others; the command then exits 1
    return _write(report, output)


def _untrained(found: list[Any], allow_untrained: bool) -> dict[str, str]:
    """The loud note per untrained checkpoint let through; the refusal of the first otherwise.
    A file that cannot be read is left to the per-model report."""
    from emotrain.training.checkpoint import load_checkpoint
    from emotrain.training.readiness import check_trained

    notes = {}
    for item in found:
        try:
            ckpt = load_checkpoint(item.path)
        except CheckpointError:
            continue
        note = check_trained(ckpt, item.path, allow_untrained=allow_untrained)
        if note:
            notes[item.name] = note
    return notes


def _write(report: dict[str, Any], output: str | Path | None) -> dict[str, Any]:
    if output is not None:
        target = Path(output) / REPORT_FILE
        try:
            atomic_write_json(target, report)
        except OSError as exc:
            raise DataError(f"cannot write the report to {target}: {exc.strerror or exc}") from exc
    return report
