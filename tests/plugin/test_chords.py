"""The harmony vocabulary: Harte labels onto the contract's 64 classes."""

from __future__ import annotations

import mir_eval.chord
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emotrain.plugin.chords import (
    AUG,
    CLASS_NAMES,
    DIM,
    EXCLUDED,
    N_CLASSES,
    NO_CHORD,
    SUS,
    ChordLabelError,
    chord_class,
    class_encoding,
    class_index,
)

# (Harte label, expected class name or None for excluded)
TABLE = [
    ("N", "N"),
    ("X", None),
    ("C", "C"),
    ("C:maj", "C"),
    ("C:min", "C:min"),
    ("C#:min", "C#:min"),
    ("Db:min", "C#:min"),
    ("Cb:maj", "B"),
    ("B#:7", "C:7"),
    ("Ebb:maj", "D"),
    ("A:min7", "A:min7"),
    ("F#:7/3", "F#:7"),
    ("G:maj7/5", "G:maj7"),
    ("E:maj6", "E"),
    ("E:min6", "E:min"),
    ("D:9", "D:7"),
    ("D:11", "D:7"),
    ("D:13", "D:7"),
    ("Bb:maj9", "A#:maj7"),
    ("Bb:maj13", "A#:maj7"),
    ("A:min9", "A:min7"),
    ("A:min11", "A:min7"),
    ("A:min13", "A:min7"),
    ("A:minmaj7", "A:min"),
    ("B:dim", "dim"),
    ("B:dim7", "dim"),
    ("B:hdim7", "dim"),
    ("C:aug", "aug"),
    ("C:sus2", "sus"),
    ("C:sus4", "sus"),
    ("C:sus4(b7)", "sus"),
    ("C:5", None),
    ("C:1", None),
    ("C:(1,5)", None),
    ("C:(1)", None),
    ("C:(3,5)", "C"),
    ("C:(1,b3,5)", "C:min"),
    ("C:(1,3,5,b7)", "C:7"),
    ("C:(b3,b5,bb7)", "dim"),
    ("C:maj(9)", "C"),
    ("C:maj(b7)", "C:7"),
    ("C:min(7)", "C:min"),
    ("C:7(#9)", "C:7"),
    ("C:maj(*3)", None),
    ("C:min7(*5)", "C:min7"),
    ("C:maj/b7", "C"),
    ("G:(1,4,5)/4", "sus"),
    (" A:min ", "A:min"),
]

MALFORMED = [
    "",
    "H:maj",
    "C:foo",
    "C:maj7x",
    "C:(",
    "C:()",
    "C:",
    "c:maj",
    "C:maj/",
    "C:maj/x",
    "C:(1,14)",
    "C:(1,,3)",
    "C:maj(9",
    "C/3/5",
    "Cmaj",
    "C:maj(9))",
    "N:maj",
    "C#:min7(*)",
]


@pytest.mark.parametrize("label, expected", TABLE)
def test_harte_labels_map_to_the_contract_classes(label, expected):
    got = chord_class(label)
    if expected is None:
        assert got == EXCLUDED
    else:
        assert CLASS_NAMES[got] == expected


@pytest.mark.parametrize("label", MALFORMED)
def test_malformed_labels_raise_the_typed_error(label):
    with pytest.raises(ChordLabelError):
        chord_class(label)


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=16) | st.from_regex(r"[A-G][#b]?(:[a-z0-9]*(\([#b*0-9,]*\))?)?(/.*)?"))
def test_any_string_is_a_class_or_a_reported_error(label):
    try:
        got = chord_class(label)
    except ChordLabelError as exc:
        assert str(exc)
    else:
        assert got == EXCLUDED or 0 <= got < N_CLASSES


def test_the_vocabulary_is_laid_out_as_the_contract_says():
    assert len(CLASS_NAMES) == N_CLASSES == len(set(CLASS_NAMES))
    assert CLASS_NAMES[NO_CHORD] == "N"
    assert CLASS_NAMES[class_index(0, "maj")] == "C" and class_index(0, "maj") == 1
    assert class_index(11, "min7") == 60 and CLASS_NAMES[60] == "B:min7"
    assert (DIM, AUG, SUS) == (61, 62, 63)
    # every named class reads back to itself
    for index, name in enumerate(CLASS_NAMES[:61]):
        assert chord_class(name) == index


def test_class_encoding_is_mir_evals_encoding_of_the_class_names():
    roots, bitmaps = class_encoding()
    for index in range(61):
        root, bitmap, _ = mir_eval.chord.encode(CLASS_NAMES[index])
        assert roots[index] == root
        assert np.array_equal(bitmaps[index], bitmap)
    assert set(roots[[DIM, AUG, SUS]]) == {-2}
