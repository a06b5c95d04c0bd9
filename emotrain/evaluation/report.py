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
from emotrain.evaluation.data import (
    DEFAULT_SEED,
    EvalData,
    ExternalData,
    all_data,
    external_config,
    run_config_of,
    run_validation_data,
)
from emotrain.evaluation.discovery import find_checkpoints, locate
from emotrain.evaluation.verdicts import MIN_RESAMPLES, BootstrapOptions
from emotrain.io import atomic_write_json, check_folder_can_be_made, check_folder_writable

ProgressFn = Callable[[str], None]


def predict(model: Any, inputs: Any, *, batch_size: int = 256, device: Any = "cpu") -> Any:
    """Run the network over (N, T, F) sequences in batches, each from a zero recurrent state."""
    import torch

    outputs = []
    with torch.no_grad():
        for start in range(0, inputs.shape[0], batch_size):
            batch = inputs[start : start + batch_size].to(device)
            outputs.append(model(batch).to("cpu", torch.float64))
    return torch.cat(outputs, dim=0)


def _choose_data(
    spec: Any,
    ckpt: dict[str, Any],
    run_dir: Path | None,
    external: ExternalData | None,
    cache_dir: str | None,
    seed: int | None,
    output_dir: Path | None,
) -> EvalData:
    from emotrain.config import DataConfig

    config = run_config_of(ckpt, run_dir)
    if external is not None:
        chosen = next((s for s in (external.seed, seed) if s is not None), DEFAULT_SEED)
        cfg = external_config(external, config, cache_dir)
        where = external.path or f"freshly generated synthetic data (seed {chosen})"
        why = f"evaluated on all of {where} (--data/--data-format); baseline mean taken from it too"
        # Another corpus's features are cached beside the report, never in the evaluated run.
        return all_data(spec, cfg, chosen, output_dir, why)
    if config is not None:
        data = run_validation_data(spec, ckpt, config, run_dir, cache_dir=cache_dir)
        if seed is not None:
            data.notes.append("--seed ignored: the run's recorded seed rebuilds its own data")
        return data
    chosen = DEFAULT_SEED if seed is None else seed
    why = (
        "old-pipeline checkpoint (no recorded configuration or split): evaluated on all sequences "
        f"of the built-in synthetic data (seed {chosen}), baseline mean taken from the same data"
    )
    return all_data(spec, DataConfig(), chosen, run_dir, why)


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

    from emotrain.evaluation import baselines, metrics, verdicts
    from emotrain.models.layers import multiply_adds_per_frame
    from emotrain.models.network import count_parameters
    from emotrain.training.checkpoint import load_checkpoint_model

    path = Path(path)
    ckpt, spec, model = load_checkpoint_model(path)
    model = model.to(device).eval()
    is_ours = ckpt.get("format") == "emotrain-checkpoint"

    data = _choose_data(spec, ckpt, run_dir, external, cache_dir, seed, output_dir)
    pred = predict(model, data.inputs, batch_size=batch_size, device=device)
    if not bool(torch.isfinite(pred).all()):
        raise CheckpointError(
            f"cannot evaluate {path}: its predictions are not finite (NaN/inf weights?)"
        )
    scores = metrics.model_metrics(spec.name, pred, data.targets)
    mean = baselines.baseline_constant(spec.name, data.baseline_targets)
    base_pred = baselines.constant_prediction(mean, data.targets)
    base_scores = metrics.model_metrics(spec.name, base_pred, data.targets)
    results = verdicts.compare(
        spec.name, pred, data.targets, base_pred, data.groups, bootstrap or BootstrapOptions()
    )
    spread = verdicts.prediction_spread(pred, data.targets)
    headline, verdict_notes = verdicts.headline(spec, scores, base_scores, results, spread)
    notes = list(data.notes) + verdict_notes
    if kind != "best":
        notes.insert(
            0, f"no {spec.name}_best.pt found; evaluated the {kind} checkpoint {path.name}"
        )
    if spec.name == "melodytransformer":
        _, _, _, used = metrics.topk_prf(pred, data.targets)
        total = data.targets.shape[0] * data.targets.shape[1]
        if used == 0:
            notes.append(
                "no step has an active note: the top-k and pitch-class figures are undefined (null)"
            )
        elif used < total:
            notes.append(
                f"top-k and pitch-class figures skip {total - used} of {total} steps without an "
                "active note"
            )
    return {
        "checkpoint": str(path),
        "checkpoint_kind": kind,
        "checkpoint_format": "emotrain" if is_ours else "old-pipeline",
        "epoch": ckpt.get("epoch"),
        "best_epoch": ckpt.get("best_epoch"),
        "data": data.description,
        "n_items": int(data.inputs.shape[0]),
        "n_frames": int(data.inputs.shape[0] * data.inputs.shape[1]),
        "parameters": count_parameters(model),
        "macs_per_frame": multiply_adds_per_frame(model.layer_specs),
        "loss": spec.loss,
        "headline": headline,
        "metrics": scores,
        "baseline": base_scores,
        "comparison": verdicts.comparisons(results),
        "bootstrap": verdicts.bootstrap_description(results, data.group_unit),
        "baseline_method": baselines.describe(spec.name, data.baseline_source),
        "notes": notes,
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
) -> dict[str, Any]:
    """What `emotrain evaluate` does: find the checkpoints, judge each, write the report.

    Returns the report dict; with `output`, also writes `<output>/evaluation_results.json`.
    """
    from emotrain.config import DATA_FORMATS
    from emotrain.models.registry import resolve_models
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
    folder, run_dir = locate(checkpoint_dir)
    found = find_checkpoints(folder, wanted)
    torch_device = resolve_device(device)
    external = None
    if data is not None or data_format != "auto":
        external = ExternalData(None if data is None else str(data), data_format, seed)
    report: dict[str, Any] = {
        "emotrain_version": __version__,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "source": str(checkpoint_dir),
        "models": {},
    }
    for item in found:
        if progress is not None:
            progress(f"evaluating {item.name} ({item.path})")
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
    if output is not None:
        target = Path(output) / REPORT_FILE
        try:
            atomic_write_json(target, report)
        except OSError as exc:
            raise DataError(f"cannot write the report to {target}: {exc.strerror or exc}") from exc
    return report
