"""Chord annotations from disk: MIREX `.lab` files and JAMS files, checked before anything trains.

A `.lab` has one chord per line, `start end label` (seconds, Harte syntax), as the Isophonics,
Billboard and RWC annotations are published; blank lines and `#` comments are ignored. A JAMS file
(GuitarSet) holds the same as observations of an annotation in the `chord` (or `chord_harte`)
namespace; the first such annotation is used (GuitarSet's instructed chords).

A file that cannot be used raises ChordFileError with one line naming the file (and the line or
observation): a line that does not parse, times that run backwards or overlap the previous chord,
a label that is not Harte syntax or names an unknown quality, a JAMS file with no chord
annotation. Loaders turn it into a reported skip (an error under --strict). Gaps between chords
are allowed: their frames have no chord and are neither trained nor scored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from emotrain.plugin.chords import EXCLUDED, ChordLabelError, chord_class

LAB_SUFFIX = ".lab"
JAMS_SUFFIX = ".jams"
ANNOTATION_SUFFIXES = (LAB_SUFFIX, JAMS_SUFFIX)
JAMS_NAMESPACES = ("chord", "chord_harte")
#: Rounding in published labs (times printed to 6 decimals) is not an overlap.
TOLERANCE_S = 1e-4


class ChordFileError(Exception):
    """An annotation file that cannot be used; the message names the file and where in it."""


@dataclass(frozen=True)
class ChordAnnotation:
    """A song's chords: sorted, non-overlapping segments with their Harte labels and classes."""

    intervals: np.ndarray  # (n, 2) float64 seconds
    labels: tuple[str, ...]
    classes: np.ndarray  # (n,) int64, EXCLUDED (-1) for X and power chords

    def frame_classes(self, times: np.ndarray) -> np.ndarray:
        """The class sounding at each time (a frame's centre); EXCLUDED outside every chord."""
        out = np.full(times.shape[0], EXCLUDED, dtype=np.int64)
        if self.classes.size == 0:
            return out
        i = np.searchsorted(self.intervals[:, 0], times, side="right") - 1
        inside = (i >= 0) & (times < self.intervals[np.maximum(i, 0), 1])
        out[inside] = self.classes[i[inside]]
        return out


def has_annotations(root: Path) -> bool:
    """Cheap detection of a chord corpus: a `.lab` or `.jams` in the folder or one level down."""
    for pattern in ("*", "*/*"):
        for suffix in ANNOTATION_SUFFIXES:
            if any(not p.name.startswith(".") for p in root.glob(pattern + suffix)):
                return True
    return False


def _build(name: str, rows: list[tuple[float, float, str, str]]) -> ChordAnnotation:
    """rows: (start, end, label, where) in file order; checked for order, overlap and labels."""
    kept: list[tuple[float, float, str, int]] = []
    previous_end, previous_where = -math.inf, ""
    for start, end, label, where in rows:
        if not (math.isfinite(start) and math.isfinite(end)) or start < 0:
            raise ChordFileError(f"{name} {where}: times must be finite seconds >= 0")
        if end < start:
            raise ChordFileError(
                f"{name} {where}: ends at {end:g} s before it starts at {start:g} s"
            )
        if start < previous_end - TOLERANCE_S:
            raise ChordFileError(
                f"{name} {where}: starts at {start:g} s, before the chord of {previous_where} ends "
                f"at {previous_end:g} s (chords must be in time order and must not overlap)"
            )
        try:
            index = chord_class(label)
        except ChordLabelError as exc:
            raise ChordFileError(f"{name} {where}: {exc}") from None
        previous_end, previous_where = max(previous_end, end), where
        if end > start:
            kept.append((start, end, label.strip(), index))
    intervals = np.array([(s, e) for s, e, _, _ in kept], dtype=np.float64).reshape(-1, 2)
    return ChordAnnotation(
        intervals,
        tuple(k[2] for k in kept),
        np.array([k[3] for k in kept], dtype=np.int64),
    )


def read_lab(path: Path, name: str | None = None) -> ChordAnnotation:
    name = name or path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ChordFileError(f"{name}: cannot read ({exc})") from None
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        parts = stripped.split()
        if len(parts) != 3:
            raise ChordFileError(
                f"{name} line {number}: expected 'start end label', got {stripped[:60]!r}"
            )
        try:
            start, end = float(parts[0]), float(parts[1])
        except ValueError:
            raise ChordFileError(
                f"{name} line {number}: times {parts[0]!r} {parts[1]!r} are not numbers"
            ) from None
        rows.append((start, end, parts[2], f"line {number}"))
    if not rows:
        raise ChordFileError(f"{name}: no chord lines")
    return _build(name, rows)


def read_jams(path: Path, name: str | None = None) -> ChordAnnotation:
    import jams

    name = name or path.name
    try:
        document = jams.load(str(path), validate=False)
    except Exception as exc:  # jams raises many kinds (JSON, schema, I/O): all mean "unusable"
        raise ChordFileError(f"{name}: not a readable JAMS file ({str(exc)[:120]})") from None
    chosen = None
    for namespace in JAMS_NAMESPACES:
        chosen = next((a for a in document.annotations if a.namespace == namespace), None)
        if chosen is not None:
            break
    if chosen is None:
        found = sorted({a.namespace for a in document.annotations}) or ["none"]
        raise ChordFileError(
            f"{name}: no chord annotation (namespace {' or '.join(JAMS_NAMESPACES)}; "
            f"found {', '.join(found)})"
        )
    rows = []
    for number, obs in enumerate(chosen.data, start=1):
        try:
            start, length = float(obs.time), float(obs.duration)
        except (TypeError, ValueError):
            raise ChordFileError(f"{name} observation {number}: time is not a number") from None
        label = obs.value if isinstance(obs.value, str) else repr(obs.value)
        rows.append((start, start + length, label, f"observation {number} ({start:g} s)"))
    if not rows:
        raise ChordFileError(f"{name}: its {chosen.namespace} annotation has no chords")
    return _build(name, rows)


def read_annotation(path: Path, name: str | None = None) -> ChordAnnotation:
    """A `.lab` or `.jams` file; ChordFileError if it cannot be used."""
    if path.suffix.lower() == JAMS_SUFFIX:
        return read_jams(path, name)
    return read_lab(path, name)
