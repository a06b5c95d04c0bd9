"""Everything a user can get wrong about a run, checked before its first byte is written.

`train` runs these before it takes the run folder; `resume` and `tune` run the ones that apply to
them. Each check raises a ConfigError (exit 2) or TrainingError naming what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from emotrain.config import RunConfig, model_seed
from emotrain.data.base import SequenceData
from emotrain.data.split import make_split, validation_groups
from emotrain.errors import ConfigError, TrainingError
from emotrain.io import check_folder_can_be_made
from emotrain.runs.paths import RunPaths
from emotrain.tolerance import check_tolerance

__all__ = [
    "PreparedModel",
    "check_cache_dir",
    "check_models_fit_data",
    "check_output",
    "check_tolerance",
    "check_validation_songs",
    "new_split",
]


@dataclass
class PreparedModel:
    name: str
    data: SequenceData


def check_output(config: RunConfig, overwrite: bool) -> RunPaths:
    root = Path(config.output)
    check_folder_can_be_made(root)
    paths = RunPaths(root)
    for folder in (paths.checkpoints_dir, paths.history_dir, paths.plots_dir, paths.splits_dir):
        if folder.exists() and not folder.is_dir():
            raise ConfigError(f"--output: {folder} is a file, but the run needs a folder there")
    existing = [name for name in config.models if paths.has_run(name)]
    if existing and not overwrite:
        raise TrainingError(
            f"{root} already holds {', '.join(existing)} (a run or an exported model); give a new "
            f"run its own folder (--output DIR), continue that run with `emotrain resume "
            f"{root}`, or replace it with --overwrite (its files are lost)"
        )
    return paths


def check_models_fit_data(config: RunConfig) -> None:
    from emotrain.data.corpus import possible_models, resolve, supported_models

    if config.data.kind == "synthetic":
        return
    _, detection = resolve(config.data)
    never = [m for m in config.models if m not in possible_models(detection.format)]
    if never:  # said before the corpus's own files are judged (an empty labels.csv, say)
        can = possible_models(detection.format)
        raise ConfigError(
            f"--model: the {detection.format} corpus at {config.data.path} can train only "
            f"{' or '.join(can)}{' (by its files)' if len(can) > 1 else ''}, not {', '.join(never)}"
        )
    fit = supported_models(config.data)
    wrong = [m for m in config.models if m not in fit]
    if wrong:
        raise ConfigError(
            f"--model: the {detection.format} corpus at {config.data.path} can train only "
            f"{', '.join(fit) or 'nothing'}, not {', '.join(wrong)}"
        )
    if detection.format == "chords" and "harmonypredictor" in config.models:
        from emotrain.data.chord_corpus import emotion_recognizer

        # a missing emotion input or a wrong --emotion-model is a usage error before anything
        # is written
        emotion_recognizer(resolve(config.data)[0], config.data.emotion_model)


def check_cache_dir(config: RunConfig) -> None:
    """A --cache-dir that is a file would only fail deep inside feature extraction."""
    if config.data.cache_dir is not None:
        check_folder_can_be_made(Path(config.data.cache_dir), "--cache-dir")


def _data_source(config: RunConfig, data: SequenceData) -> str:
    if config.data.kind == "synthetic":
        return f"the synthetic data (--samples {config.data.samples})"
    return f"the {data.report.source}"


def new_split(config: RunConfig, item: PreparedModel):
    """A model's split in a new run: `--validation-songs` when given, else the seeded fraction."""
    return make_split(
        item.data.groups,
        validation_split=config.data.validation_split,
        validation_songs=config.data.validation_songs,
        seed=model_seed(config.training.seed, item.name),
        synthetic=config.data.kind == "synthetic",
        source=_data_source(config, item.data),
    )


def check_validation_songs(config: RunConfig, prepared: list[PreparedModel] | None = None) -> None:
    """Every `--validation-songs` id must name a song of the data: a ConfigError (exit 2) naming
    the ones that do not, before anything is written. Without `prepared` the corpus's ids are read
    from its file names and labels, before any audio is decoded; with it, from the loaded data
    (a song whose files were all skipped is then missing too)."""
    if not config.data.validation_songs:
        return
    if prepared is not None:
        for item in prepared:
            new_split(config, item)
        return
    if config.data.kind == "synthetic":
        return  # checked by config.validate(): the ids are indices 0..samples-1
    from emotrain.data.corpus import song_ids

    for name in config.models:
        groups, source = song_ids(name, config.data)
        validation_groups(groups, config.data.validation_songs, synthetic=False, source=source)
