"""Find each model's checkpoint in a folder, the way a user would: best first, then latest.

`emotrain evaluate --checkpoint-dir` accepts a run folder or its `checkpoints/` folder, and the old
scripts' file names (`EmotionRecognizer_best.pt`, `emotion_recognizer_best.pth`) as well as ours.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from emotrain.errors import ConfigError, DataError
from emotrain.models.catalog import CHECKPOINT_FILE, MODEL_NAMES, model_of_file_name
from emotrain.runs.paths import CHECKPOINTS, RunPaths

_FILE = CHECKPOINT_FILE
_KIND_ORDER = {"best": 0, "latest": 1}


@dataclass(frozen=True)
class FoundCheckpoint:
    name: str  # canonical model name
    path: Path
    kind: str  # "best" or "latest"


def locate(checkpoint_dir: str | Path) -> tuple[Path, Path | None]:
    """(folder holding the checkpoints, the run folder or None).

    A run folder is recognised by its `checkpoints/` subfolder or, seen from `checkpoints/`, by a
    parent holding `run_config.json` or `splits/`.
    """
    d = Path(checkpoint_dir)
    if not d.exists():
        raise ConfigError(f"--checkpoint-dir: {d} does not exist")
    if not d.is_dir():
        raise ConfigError(f"--checkpoint-dir: {d} is not a folder")
    if RunPaths(d).checkpoints_dir.is_dir() and not _candidates(d):
        return RunPaths(d).checkpoints_dir, d
    parent = RunPaths(d.parent)
    if d.name == CHECKPOINTS or parent.run_config.exists() or parent.splits_dir.is_dir():
        return d, parent.root
    return d, None


def _candidates(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and _FILE.match(p.name))


def find_checkpoints(folder: Path, models: tuple[str, ...] | None = None) -> list[FoundCheckpoint]:
    """One checkpoint per model found in `folder` (best if present, else latest), contract order.

    With `models`, every one of them must be found; without, at least one model must be.
    """
    found: dict[str, FoundCheckpoint] = {}
    for path in _candidates(folder):
        match = _FILE.match(path.name)
        assert match is not None
        name = model_of_file_name(path.name)
        if name is None:
            continue
        kind = match["kind"].lower()
        current = found.get(name)
        # best before latest; among equals prefer our own lower-case spelling (sorted: it is last).
        if current is None or _KIND_ORDER[kind] <= _KIND_ORDER[current.kind]:
            found[name] = FoundCheckpoint(name, path, kind)
    wanted = models or MODEL_NAMES
    missing = [n for n in wanted if n not in found]
    if models and missing:
        raise DataError(
            f"no checkpoint of {', '.join(missing)} in {folder} "
            f"(looked for {missing[0]}_best.pt, then {missing[0]}_latest.pt)"
        )
    result = [found[n] for n in wanted if n in found]
    if not result:
        raise DataError(
            f"no checkpoints found in {folder} (looked for <model>_best.pt and <model>_latest.pt, "
            f"model one of {', '.join(MODEL_NAMES)})"
        )
    return result
