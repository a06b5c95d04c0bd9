"""EMOPIA: piano clips `midis/Q<quadrant>_<11-character YouTube id>_<clip>.mid` and `label.csv`.

The quadrant gives only the signs of valence and arousal, so a clip is labelled with the centre of
its quadrant of [-1, 1]^2: Q1 (+0.5, +0.5), Q2 (-0.5, +0.5), Q3 (-0.5, -0.5), Q4 (+0.5, -0.5).
The YouTube id (which may itself start with `_` or `-`) is the song: clips of one song share it,
and the split keeps them together.
"""

from __future__ import annotations

import re
from pathlib import Path

from emotrain.data.base import DataReport
from emotrain.data.detect import MIDI_SUFFIXES
from emotrain.data.labels import MidiItem, column, natural_key, read_table
from emotrain.errors import DataError

QUADRANTS = {1: (0.5, 0.5), 2: (-0.5, 0.5), 3: (-0.5, -0.5), 4: (0.5, -0.5)}
_NAME = re.compile(r"Q([1-4])_(.{11})_(\d+)")


def parse_name(stem: str) -> tuple[int, str] | None:
    """(quadrant, song id) from a clip name like `Q1__kJtgm1OUNA_0`, or None if it is not one."""
    m = _NAME.fullmatch(stem)
    return (int(m.group(1)), m.group(2)) if m else None


def _label_table(path: Path) -> dict[str, str]:
    """Clip id -> the 4Q cell, as text (validated where used)."""
    header, rows = read_table(path)
    i_id, i_q = column(header, "ID", path), column(header, "4Q", path)
    return {row[i_id].strip(): row[i_q].strip() for row in rows if row[i_id].strip()}


def plan(root: Path, report: DataReport) -> list[MidiItem]:
    folder = root / "midis" if (root / "midis").is_dir() else root
    # Hidden files are never clips: macOS leaves an AppleDouble `._<name>.mid` beside each file it
    # copies to a non-Mac disk, and those would otherwise be parse errors (fatal under --strict).
    clips = sorted(
        (
            p
            for p in folder.iterdir()
            if p.is_file() and p.suffix.lower() in MIDI_SUFFIXES and not p.name.startswith(".")
        ),
        key=lambda p: natural_key(p.stem),
    )
    if not clips:
        raise DataError(f"emopia: no .mid files in {folder}")
    table = _label_table(root / "label.csv") if (root / "label.csv").is_file() else {}
    if not table:
        report.notes.append("emopia: no label.csv; quadrants read from the file names")
    items: list[MidiItem] = []
    for path in clips:
        name = path.relative_to(root).as_posix()
        parsed = parse_name(path.stem)
        if parsed is None:
            report.skip(name, "name is not Q<1-4>_<11-character YouTube id>_<clip>.mid")
            continue
        quadrant, song = parsed
        if path.stem in table:
            cell = table[path.stem]
            if cell not in ("1", "2", "3", "4", "Q1", "Q2", "Q3", "Q4"):
                report.skip(name, f"label.csv 4Q {cell!r} is not a quadrant 1-4")
                continue
            if int(cell[-1]) != quadrant:
                report.skip(name, f"label.csv says Q{cell[-1]} but the file name says Q{quadrant}")
                continue
        valence, arousal = QUADRANTS[quadrant]
        items.append(MidiItem(song, path, valence, arousal))
    return items
