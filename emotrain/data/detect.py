"""Tell a corpus's format from its layout with a few `stat` calls, and say what gave it away.

Cheap on purpose: the trainer asks which models a corpus can train (`--model all`) before any file
is decoded. The rules follow the published layouts (shared/design/datasets.md); the first match
wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from emotrain.data.audio import AUDIO_SUFFIXES
from emotrain.errors import ConfigError, DataError

MIDI_SUFFIXES = (".mid", ".midi")
AUDIO_MODEL = "emotionrecognizer"
MIDI_MODEL = "melodytransformer"
#: Every model a performance MIDI corpus teaches, in contract order: the melody from its notes,
#: the dynamics engine and the groove predictor from its playing (data/performance.py).
MIDI_MODELS = (MIDI_MODEL, "dynamicsengine", "groovepredictor")
HARMONY_MODEL = "harmonypredictor"


@dataclass(frozen=True)
class Detection:
    format: str
    evidence: str  # what was found, for "detected format: deam (MEMD_audio/ found)"


def corpus_root(path: str | Path | None) -> Path:
    if not path:
        raise ConfigError("--data: no corpus folder given")
    root = Path(path).expanduser()
    if not root.exists():
        raise ConfigError(f"--data: folder not found: {root}")
    if not root.is_dir():
        raise ConfigError(f"--data: not a folder: {root} (point --data at the corpus folder)")
    return root


def find_dir(root: Path, name: str) -> Path | None:
    """`root/name`, or `root/<one folder>/name`: DEAM unzips to DEAM_audio/MEMD_audio and
    DEAM_Annotations/annotations, and users point --data at the folder holding both."""
    if (root / name).is_dir():
        return root / name
    return next((p for p in sorted(root.glob(f"*/{name}")) if p.is_dir()), None)


def _has_deam_annotations(root: Path) -> bool:
    annotations = find_dir(root, "annotations")
    return annotations is not None and any(
        annotations.glob("**/static_annotations_averaged_songs*.csv")
    )


def _header(path: Path) -> str:
    try:
        with open(path, encoding="utf-8-sig") as handle:
            return handle.readline().lower()
    except (OSError, UnicodeDecodeError):
        return ""


def detect_format(root: Path) -> Detection:
    """The format of the corpus at `root`; ConfigError naming the layouts if none fit."""
    memd = find_dir(root, "MEMD_audio")
    if memd is not None:
        return Detection("deam", f"{memd.relative_to(root).as_posix()}/ found")
    if (root / "chorus").is_dir() and (root / "annotations").is_dir():
        return Detection("pmemo", "chorus/ and annotations/ found")
    if _has_deam_annotations(root):
        return Detection("deam", "DEAM annotation tables found")
    if (root / "midis").is_dir():
        return Detection("emopia", "midis/ found")
    if (root / "label.csv").is_file() and "4q" in _header(root / "label.csv"):
        return Detection("emopia", "label.csv with a 4Q column found")
    from emotrain.data.chord_files import has_annotations

    if has_annotations(root):
        return Detection("chords", "chord annotations (.lab or .jams) found")
    if (root / "labels.csv").is_file():
        return Detection("folder", "labels.csv found")
    raise ConfigError(
        f"--data: cannot tell the corpus format of {root}: expected DEAM (MEMD_audio/), "
        "PMEmo (chorus/ and annotations/), EMOPIA (midis/ and label.csv) "
        "a folder with labels.csv, or audio with chord annotations (.lab or .jams); "
        "pass --data-format deam, pmemo, emopia, folder or chords"
    )


def folder_kinds(root: Path) -> tuple[str, ...]:
    """Which models a plain folder can train, from the file names listed in its labels.csv."""
    from emotrain.data.labels import column, read_table

    path = root / "labels.csv"
    if not path.is_file():
        raise DataError(f"folder: no labels.csv in {root} (columns: file, valence, arousal)")
    header, rows = read_table(path)
    i_file = column(header, "file", path)
    suffixes = {Path(row[i_file].strip()).suffix.lower() for row in rows if row[i_file].strip()}
    kinds = []
    if suffixes & set(AUDIO_SUFFIXES):
        kinds.append(AUDIO_MODEL)
    if suffixes & set(MIDI_SUFFIXES):
        kinds.extend(MIDI_MODELS)
    return tuple(kinds)


def media_files(folder: Path, suffixes: tuple[str, ...], root: Path, report) -> dict[str, Path]:
    """Song id (file stem) -> file, in natural order; a second file for an id is a reported skip."""
    from emotrain.data.labels import natural_key

    found = sorted(
        (
            p
            for p in folder.iterdir()
            if p.is_file() and p.suffix.lower() in suffixes and not p.name.startswith(".")
        ),
        key=lambda p: (natural_key(p.stem), p.suffix.lower()),
    )
    files: dict[str, Path] = {}
    for path in found:
        if path.stem in files:
            report.skip(path.relative_to(root).as_posix(), f"duplicate of {files[path.stem].name}")
        else:
            files[path.stem] = path
    return files
