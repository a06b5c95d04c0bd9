"""Which frames a checkpoint is judged on, and which frames its baseline may learn its mean from.

For a run of ours the data is rebuilt exactly as training built it (the recorded configuration, the
per-model seed, the recorded split), and the model is judged on its own validation part: the only
data it never trained on. With `--data`, it is judged on all of that data. An old-pipeline
checkpoint records neither configuration nor split, so it is judged on the built-in synthetic data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import torch

from emotrain.config import DataConfig, RunConfig, model_seed
from emotrain.errors import ConfigError, DataError
from emotrain.models.spec import ModelSpec
from emotrain.runs.checkpoint import Checkpoint
from emotrain.runs.paths import RunPaths

DEFAULT_SEED = 42


@dataclass
class EvalData:
    inputs: torch.Tensor  # (N, T, in) evaluated
    targets: torch.Tensor  # (N, T, out) evaluated
    baseline_targets: torch.Tensor  # the targets whose mean is the baseline's constant prediction
    description: str
    baseline_source: str
    notes: list[str] = field(default_factory=list)
    #: Song (or item) of each evaluated sequence: what the bootstrap resamples, never frames.
    groups: list[str] = field(default_factory=list)
    #: "songs" for a corpus, "items" for synthetic data (each sequence is its own item).
    group_unit: str = "songs"
    #: How the data was built and where its cache lives: what the streamed evaluation rebuilds
    #: whole songs from (None: the sequences are all there is).
    data_config: DataConfig | None = None
    output_dir: Path | None = None


def _unit(data_cfg: DataConfig) -> str:
    return "items" if data_cfg.kind == "synthetic" else "songs"


@dataclass(frozen=True)
class ExternalData:
    """`--data` / `--data-format` from the command line: evaluate on all of it."""

    path: str | None
    format: str = "auto"
    seed: int | None = None


def run_config_of(ckpt: dict[str, Any], run_dir: Path | None) -> RunConfig | None:
    """The configuration a checkpoint was trained with: its own copy, else the run's file."""
    recorded = Checkpoint.from_dict(ckpt).config
    if isinstance(recorded, dict) and recorded:
        return RunConfig.from_dict(recorded)
    if run_dir is not None and RunPaths(run_dir).run_config.is_file():
        path = RunPaths(run_dir).run_config
        try:
            return RunConfig.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (json.JSONDecodeError, UnicodeDecodeError, TypeError, AttributeError) as exc:
            raise DataError(f"{path} is corrupt: not a run configuration ({exc})") from exc
    return None


def _manifest(ckpt: dict[str, Any], run_dir: Path | None, name: str) -> tuple[Any, str, str]:
    """(manifest, where it came from for the report, its name for an error message)."""
    if run_dir is not None:
        path = RunPaths(run_dir).split(name)
        if path.is_file():
            try:
                manifest = json.loads(path.read_text(encoding="utf-8"))
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise DataError(f"split manifest {path} is corrupt: not valid JSON") from exc
            return manifest, f"splits/{name}_split.json", f"split manifest {path}"
    split = Checkpoint.from_dict(ckpt).split
    if isinstance(split, dict) and split.get("val"):
        where = "the split recorded in the checkpoint"
        return split, where, where
    return None, "", ""


def _load(spec: ModelSpec, data_cfg: DataConfig, seed: int, output_dir: Path | None):
    from emotrain.data.sources import load_data

    problems = data_cfg.problems()
    if problems:
        raise ConfigError(problems)
    data = load_data(spec, data_cfg, seed, output_dir=output_dir)
    if data.inputs.shape[-1] != spec.in_features or data.targets.shape[-1] != spec.out_features:
        raise DataError(
            f"{spec.name}: data has {data.inputs.shape[-1]} input and {data.targets.shape[-1]} "
            f"target features per frame; the model needs {spec.in_features} and {spec.out_features}"
        )
    if len(data) == 0:
        raise DataError(f"{spec.name}: no sequences to evaluate in {data.description}")
    return data


def _source_notes(data: Any) -> list[str]:
    """What the data source could not use: the report shows it, as training's summary did."""
    notes = list(data.report.notes)
    skipped = data.report.skipped
    if skipped:
        shown = "; ".join(f"{s.item}: {s.reason}" for s in skipped[:3])
        notes.append(
            f"skipped {len(skipped)} item(s): {shown}" + (" ..." if len(skipped) > 3 else "")
        )
    return notes


def run_validation_data(
    spec: ModelSpec,
    ckpt: dict[str, Any],
    config: RunConfig,
    run_dir: Path | None,
    *,
    cache_dir: str | None = None,
) -> EvalData:
    """The run's own validation split, rebuilt from its configuration and manifest."""
    from emotrain.data.split import make_split, split_from_manifest

    data_cfg = config.data if cache_dir is None else replace(config.data, cache_dir=cache_dir)
    seed = model_seed(config.training.seed, spec.name)
    data = _load(spec, data_cfg, seed, run_dir if run_dir is not None else Path(config.output))
    notes = _source_notes(data)
    recorded = Checkpoint.from_dict(ckpt).data_fingerprint
    if isinstance(recorded, str) and recorded and recorded != data.fingerprint():
        notes.append(
            "the rebuilt data differs from the data this checkpoint trained on (fingerprint "
            "mismatch): the corpus or its cache changed since training"
        )
    manifest, where, source = _manifest(ckpt, run_dir, spec.name)
    if manifest is not None:
        split = split_from_manifest(data.groups, manifest, source=source)
    else:
        split = make_split(
            data.groups,
            validation_split=config.data.validation_split,
            validation_songs=config.data.validation_songs,
            seed=seed,
            synthetic=config.data.kind == "synthetic",
            source=data.report.source,
        )
        where = "a split recomputed from the run's seed (no manifest found)"
        notes.append("no split manifest found; the split was recomputed from the run's seed")
    if not split.val_index:
        raise DataError(
            f"{spec.name}: none of the validation items of {where} are in the rebuilt data "
            f"({data.description})"
        )
    if not split.train_index:
        raise DataError(
            f"{spec.name}: none of the training items of {where} are in the rebuilt data"
        )
    val = torch.tensor(split.val_index, dtype=torch.long)
    train = torch.tensor(split.train_index, dtype=torch.long)
    return EvalData(
        inputs=data.inputs[val],
        targets=data.targets[val],
        baseline_targets=data.targets[train],
        description=(
            f"validation split ({len(split.val_index)} of {len(data)} sequences, from {where}) "
            f"of {data.description}"
        ),
        baseline_source=f"the training split ({len(split.train_index)} sequences)",
        notes=notes,
        groups=[data.groups[i] for i in split.val_index],
        group_unit=_unit(data_cfg),
        data_config=data_cfg,
        output_dir=run_dir if run_dir is not None else Path(config.output),
    )


def all_data(
    spec: ModelSpec,
    data_cfg: DataConfig,
    seed: int,
    output_dir: Path | None,
    why: str,
) -> EvalData:
    """All sequences of a data source; the baseline's mean comes from the same data (said so)."""
    data = _load(spec, data_cfg, model_seed(seed, spec.name), output_dir)
    return EvalData(
        inputs=data.inputs,
        targets=data.targets,
        baseline_targets=data.targets,
        description=f"all {len(data)} sequences of {data.description}",
        baseline_source="the evaluated data itself (no training split applies)",
        notes=[why, *_source_notes(data)],
        groups=list(data.groups),
        group_unit=_unit(data_cfg),
        data_config=data_cfg,
        output_dir=output_dir,
    )


def external_config(
    external: ExternalData, base: RunConfig | None, cache_dir: str | None
) -> DataConfig:
    """`--data`/`--data-format` as a DataConfig, keeping the run's sequence length if known.

    The run's own cache folder is not inherited: features of another corpus belong beside the
    evaluation's output (or in `--cache-dir`), not in the run folder being evaluated.
    """
    start = base.data if base is not None else DataConfig()
    fmt = external.format if external.format != "auto" or external.path else "synthetic"
    return replace(start, format=fmt, path=external.path, cache_dir=cache_dir)


def choose_data(
    spec: Any,
    ckpt: dict[str, Any],
    run_dir: Path | None,
    external: ExternalData | None,
    cache_dir: str | None,
    seed: int | None,
    output_dir: Path | None,
) -> EvalData:
    """The data a checkpoint is judged on: `--data` when given (all of it), else its run's
    validation split, else (an old script's checkpoint) all of the built-in synthetic data."""
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
