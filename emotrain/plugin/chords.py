"""The harmony network's 64 chord classes and the one mapping from Harte labels onto them.

docs/plugin-contract.md ("Meaning of the vectors"): index 0 is N (no chord); 1 + 5 * root + quality
for root C=0 .. B=11 and quality maj 0, min 1, 7 2, maj7 3, min7 4 (MIREX's "sevenths" vocabulary);
61 diminished (dim, dim7, hdim7), 62 augmented, 63 suspended (sus2, sus4), any root.

A label maps by the notes it spells (its shorthand's degrees, plus added and minus omitted ones in
parentheses; the bass after `/` is dropped): a major third makes it major (augmented with a sharp
fifth and no perfect one), a minor third minor (diminished with a flat fifth and no perfect one); a
minor seventh then makes 7 / min7, a major seventh maj7 on a major triad (minmaj7 stays min); no
third but a 2nd, 4th, 9th or 11th is suspended. So maj6 -> maj, 9 -> 7, min9 -> min7, 13 -> 7,
maj9 -> maj7. What spells no chord of the vocabulary (power chords `C:5`, `C:(1,5)`, a lone root,
`X`) is EXCLUDED: neither trained nor scored, as MIREX excludes X. A label that is not Harte syntax
raises ChordLabelError, which loaders catch and report as a skip.

Training (the corpus loader), evaluation and preview all read classes through this module.
"""

from __future__ import annotations

import re

import numpy as np

N_CLASSES = 64
NO_CHORD = 0
DIM, AUG, SUS = 61, 62, 63
#: Returned for a well-formed label that maps to no class (X, power chords): masked out.
EXCLUDED = -1

ROOTS = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
QUALITIES = ("maj", "min", "7", "maj7", "min7")
_NATURAL = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
#: Semitones of each natural scale degree 1-13 above the root (major scale).
_DEGREE = {1: 0, 2: 2, 3: 4, 4: 5, 5: 7, 6: 9, 7: 11, 8: 12, 9: 14, 10: 16, 11: 17, 12: 19, 13: 21}

#: Harte's shorthands (and MIREX's 1 and 5) as their degrees.
SHORTHANDS: dict[str, tuple[str, ...]] = {
    "maj": ("1", "3", "5"),
    "min": ("1", "b3", "5"),
    "dim": ("1", "b3", "b5"),
    "aug": ("1", "3", "#5"),
    "maj7": ("1", "3", "5", "7"),
    "min7": ("1", "b3", "5", "b7"),
    "7": ("1", "3", "5", "b7"),
    "dim7": ("1", "b3", "b5", "bb7"),
    "hdim7": ("1", "b3", "b5", "b7"),
    "minmaj7": ("1", "b3", "5", "7"),
    "maj6": ("1", "3", "5", "6"),
    "min6": ("1", "b3", "5", "6"),
    "9": ("1", "3", "5", "b7", "9"),
    "maj9": ("1", "3", "5", "7", "9"),
    "min9": ("1", "b3", "5", "b7", "9"),
    "11": ("1", "3", "5", "b7", "9", "11"),
    "min11": ("1", "b3", "5", "b7", "9", "11"),
    "13": ("1", "3", "5", "b7", "9", "11", "13"),
    "maj13": ("1", "3", "5", "7", "9", "11", "13"),
    "min13": ("1", "b3", "5", "b7", "9", "11", "13"),
    "sus2": ("1", "2", "5"),
    "sus4": ("1", "4", "5"),
    "1": ("1",),
    "5": ("1", "5"),
}

_LABEL = re.compile(
    r"(?P<root>[A-G][#b]*)"
    r"(?::(?P<short>[A-Za-z0-9]*)(?:\((?P<degrees>[^()]*)\))?)?"
    r"(?:/(?P<bass>[^/]*))?"
)
_DEGREE_TEXT = re.compile(r"(?P<mods>[#b]*)(?P<number>\d{1,2})")


class ChordLabelError(ValueError):
    """A chord label that is not Harte syntax, or names a quality the vocabulary does not know."""


def class_index(root: int, quality: str) -> int:
    """The class of `root` (0-11, C=0) with one of QUALITIES."""
    return 1 + 5 * (root % 12) + QUALITIES.index(quality)


def class_name(index: int) -> str:
    """Harte-style name: N, C, C:min, C:7, C:maj7, C:min7, ..., dim, aug, sus."""
    if index == NO_CHORD:
        return "N"
    if index in (DIM, AUG, SUS):
        return {DIM: "dim", AUG: "aug", SUS: "sus"}[index]
    if not 1 <= index <= 60:
        raise ValueError(f"chord class must be 0-63, got {index}")
    root, quality = divmod(index - 1, 5)
    return ROOTS[root] if quality == 0 else f"{ROOTS[root]}:{QUALITIES[quality]}"


CLASS_NAMES = tuple(class_name(i) for i in range(N_CLASSES))


def _pitch_class(text: str) -> int:
    return (_NATURAL[text[0]] + text.count("#") - text.count("b")) % 12


def _degree(text: str, label: str) -> tuple[int, int]:
    """(degree number, semitones above the root) of `b3`, `#5`, `bb7`, `9` ..."""
    m = _DEGREE_TEXT.fullmatch(text.strip())
    if m is None or not 1 <= int(m["number"]) <= 13:
        raise ChordLabelError(f"chord {label!r}: {text!r} is not a scale degree (1-13 with # or b)")
    number = int(m["number"])
    return number, _DEGREE[number] + m["mods"].count("#") - m["mods"].count("b")


def chord_degrees(label: str) -> tuple[int, frozenset[tuple[int, int]]] | None:
    """(root pitch class, the degrees the label spells) or None for N / X; ChordLabelError if the
    label is not Harte syntax."""
    if not isinstance(label, str):
        raise ChordLabelError(f"chord label must be text, got {type(label).__name__}")
    text = label.strip()
    if text in ("N", "X"):
        return None
    m = _LABEL.fullmatch(text)
    if m is None:
        raise ChordLabelError(f"chord {label!r} is not a Harte label (e.g. C:maj, A:min7, F#:7/3)")
    short, listed = m["short"], m["degrees"]
    if short is None:  # bare root: major
        short = "maj"
    elif short == "":
        if listed is None:
            raise ChordLabelError(f"chord {label!r}: nothing after ':'")
    elif short not in SHORTHANDS:
        raise ChordLabelError(
            f"chord {label!r}: unknown chord quality {short!r} "
            f"(known: {', '.join(SHORTHANDS)}, or a degree list in parentheses)"
        )
    degrees = {_degree(d, label) for d in SHORTHANDS[short]} if short else {(1, 0)}
    if listed is not None:
        parts = [p.strip() for p in listed.split(",")]
        if not any(parts):
            if not short:
                raise ChordLabelError(f"chord {label!r}: empty degree list")
            parts = []
        for part in parts:
            if part.startswith("*"):
                degrees.discard(_degree(part[1:], label))
            else:
                degrees.add(_degree(part, label))
    if m["bass"] is not None:
        _degree(m["bass"], label)  # checked, then dropped (inversions map to their chord)
    return _pitch_class(m["root"]), frozenset(degrees)


def _classify(root: int, degrees: frozenset[tuple[int, int]]) -> int:
    def has(number: int, semitones: int) -> bool:
        return (number, semitones) in degrees

    sevenths = {s for n, s in degrees if n == 7}
    if has(3, 4):
        if has(5, 8) and not has(5, 7):
            return AUG
        if 10 in sevenths:
            return class_index(root, "7")
        return class_index(root, "maj7" if 11 in sevenths else "maj")
    if has(3, 3):
        if has(5, 6) and not has(5, 7):
            return DIM
        return class_index(root, "min7" if 10 in sevenths else "min")
    if any(n in (2, 4, 9, 11) for n, _ in degrees):
        return SUS
    return EXCLUDED


def chord_class(label: str) -> int:
    """The class (0-63) of a Harte label, EXCLUDED (-1) for X and what spells no class;
    ChordLabelError for a malformed label."""
    parsed = chord_degrees(label)
    if parsed is None:
        return EXCLUDED if label.strip() == "X" else NO_CHORD
    return _classify(*parsed)


#: Each class's notes as MIREX encodes them: (root or -1 for N / -2 for "any root", 12-bit
#: semitones above the root). Used to score predictions with MIREX's comparison rules.
_BITMAPS = {
    "maj": (0, 4, 7),
    "min": (0, 3, 7),
    "7": (0, 4, 7, 10),
    "maj7": (0, 4, 7, 11),
    "min7": (0, 3, 7, 10),
}


def class_encoding() -> tuple[np.ndarray, np.ndarray]:
    """(roots (64,), semitone bitmaps (64, 12)) of the classes, in mir_eval's encoding. The
    rootless classes (dim, aug, sus) get root -2, which matches no reference root."""
    roots = np.full(N_CLASSES, -2, dtype=np.int64)
    bitmaps = np.zeros((N_CLASSES, 12), dtype=np.int64)
    roots[NO_CHORD] = -1
    for index in range(1, 61):
        root, quality = divmod(index - 1, 5)
        roots[index] = root
        bitmaps[index, list(_BITMAPS[QUALITIES[quality]])] = 1
    for index, notes in ((DIM, (0, 3, 6)), (AUG, (0, 4, 8)), (SUS, (0, 5, 7))):
        bitmaps[index, list(notes)] = 1
    return roots, bitmaps
