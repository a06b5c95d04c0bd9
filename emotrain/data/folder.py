"""A plain labelled folder: audio and/or MIDI files plus `labels.csv` (`file, valence, arousal`).

Values are in [-1, 1]; an optional `song` column groups several files of one song for the split.
Audio rows train the emotion recognizer, MIDI rows the melody transformer. Files on disk without a
row, and rows without a file, are reported: no file is ever given a label it does not have.
"""

from __future__ import annotations

from pathlib import Path

from emotrain.data.audio import AUDIO_SUFFIXES
from emotrain.data.base import DataReport
from emotrain.data.detect import MIDI_SUFFIXES
from emotrain.data.labels import AudioItem, MidiItem, StaticLabel, natural_key, read_folder_labels
from emotrain.errors import DataError


def plan(root: Path, report: DataReport, kind: str) -> list[AudioItem] | list[MidiItem]:
    """Items of one kind ('audio' or 'midi'); rows of the other kind belong to another model."""
    labels_csv = root / "labels.csv"
    if not labels_csv.is_file():
        raise DataError(f"folder: no labels.csv in {root} (columns: file, valence, arousal)")
    suffixes = AUDIO_SUFFIXES if kind == "audio" else MIDI_SUFFIXES
    listed: set[Path] = set()
    items: list[AudioItem | MidiItem] = []
    for row in read_folder_labels(labels_csv):
        if Path(row.file).suffix.lower() not in suffixes:
            continue
        path = (root / row.file).resolve()
        if path in listed:
            report.skip(row.file, "listed more than once in labels.csv (first row used)")
            continue
        listed.add(path)
        if row.problem:
            report.skip(row.file, row.problem)
        elif not path.is_file():
            report.skip(row.file, "listed in labels.csv but not found")
        elif kind == "audio":
            items.append(AudioItem(row.song, path, StaticLabel(row.valence, row.arousal)))
        else:
            items.append(MidiItem(row.song, path, row.valence, row.arousal))
    unlisted = sorted(
        (
            p
            for p in root.rglob("*")
            if p.is_file()
            and p.suffix.lower() in suffixes
            and not p.name.startswith(".")
            and p.resolve() not in listed
        ),
        key=lambda p: natural_key(p.relative_to(root).as_posix()),
    )
    for path in unlisted:
        report.skip(path.relative_to(root).as_posix(), "no row in labels.csv")
    if not items and not report.skipped:
        raise DataError(f"folder: labels.csv in {root} lists no {kind} files")
    return items
