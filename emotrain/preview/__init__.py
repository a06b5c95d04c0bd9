"""`emotrain preview`: what the plugin will do with songs, computed from the files it ships.

`preview_files` checks everything first (the sources, the options, the output folders), then runs
the chain over each song in order and writes its folder. An audio file that cannot be decoded is
skipped with its reason and the others still run; the caller decides the exit status.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emotrain.errors import ConfigError
from emotrain.preview.sources import ModelSet, resolve

__all__ = ["PreviewOptions", "check_options", "preview_files", "resolve"]


@dataclass(frozen=True)
class PreviewOptions:
    output: Path
    bpm: float = 120.0
    decode: str = "top1"
    min_prob: float = 0.1
    seed: int = 0
    live_set: bool = False
    overwrite: bool = False


@dataclass
class SongResult:
    audio: str
    folder: str | None = None
    skipped: str | None = None
    summary: dict[str, Any] = field(default_factory=dict)


def check_options(files: Sequence[Path], options: PreviewOptions) -> list[Path]:
    """Every usage problem at once, before anything is read or written; returns the folders."""
    from emotrain.preview.decode import DECODE_RULES
    from emotrain.preview.outputs import FILES

    problems = []
    if not (math.isfinite(options.bpm) and 0 < options.bpm <= 1000):
        problems.append(f"--bpm: must be a finite number of beats per minute in (0, 1000], "
                        f"got {options.bpm}")  # fmt: skip
    if options.decode not in DECODE_RULES:
        problems.append(
            f"--decode: must be one of {', '.join(DECODE_RULES)}, got {options.decode!r}"
        )
    if not (math.isfinite(options.min_prob) and 0 <= options.min_prob <= 1):
        problems.append(f"--min-prob: must be a probability in [0, 1], got {options.min_prob}")
    if not files:
        problems.append("AUDIO: give at least one audio file")
    stems: dict[str, Path] = {}
    folders = []
    for path in files:
        if path.is_dir():
            problems.append(f"AUDIO: {path} is a folder; give audio files")
        elif not path.exists():
            problems.append(f"AUDIO: no such file: {path}")
        if path.stem in stems:
            problems.append(f"AUDIO: {stems[path.stem]} and {path} would both write "
                            f"{options.output / path.stem}; rename one")  # fmt: skip
        stems[path.stem] = path
        folder = options.output / path.stem
        folders.append(folder)
        taken = [f for f in FILES if (folder / f).exists()]
        if taken and not options.overwrite:
            problems.append(f"--output: {folder} already holds {', '.join(taken)}; "
                            "give --overwrite to replace them or choose another --output")  # fmt: skip
    if options.output.exists() and not options.output.is_dir():
        problems.append(f"--output: {options.output} is a file; give a folder")
    if problems:
        raise ConfigError(problems)
    return folders


def preview_files(
    files: Sequence[Path],
    models: ModelSet,
    options: PreviewOptions,
    *,
    on_song: Callable[[int, SongResult], None] | None = None,
) -> list[SongResult]:
    """Run the chain over each file, in order, writing `<output>/<stem>/`; one reset per file, or
    one for the whole list with `live_set`."""
    from emotrain.data.audio import AudioReadError, load_audio
    from emotrain.io import check_folder_writable
    from emotrain.plugin.chain import Chain
    from emotrain.plugin.timing import step_seconds
    from emotrain.preview.outputs import save_summary, write_song

    folders = check_options(files, options)
    check_folder_writable(options.output)
    chain = Chain(models, options.bpm)
    results = []
    for i, (path, folder) in enumerate(zip(files, folders, strict=True)):
        result = SongResult(str(path))
        try:
            samples = load_audio(path)
        except (AudioReadError, OSError) as exc:
            result.skipped = str(getattr(exc, "strerror", None) or exc)
        else:
            song = chain.run_song(samples, reset=not options.live_set)
            summary = write_song(folder, path.stem, song, bpm=options.bpm, decode=options.decode,
                                 min_prob=options.min_prob, seed=options.seed,
                                 step_s=step_seconds(options.bpm))  # fmt: skip
            summary = {
                "audio": str(path),
                "live_set": options.live_set,
                "position_in_set": i + 1 if options.live_set else None,
                "models": models.describe(),
                **summary,
            }
            summary["notes"] = [*summary.get("notes", []),
                                *(f"{name}: {why}" for name, why in models.not_run().items())]  # fmt: skip
            save_summary(folder, summary)
            result.folder, result.summary = str(folder), summary
        results.append(result)
        if on_song is not None:
            on_song(i, result)
    return results
