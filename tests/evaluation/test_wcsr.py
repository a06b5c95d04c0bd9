"""WCSR as mir_eval.chord computes it: the same figures on random songs and random estimates."""

from __future__ import annotations

import warnings

import mir_eval.chord
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emotrain.evaluation.wcsr import RULES, figures, song_parts
from emotrain.plugin.chords import CLASS_NAMES, DIM, SUS, class_index
from emotrain.plugin.timing import FRAME_RATE

REFERENCE = ["C:maj", "A:min", "G:7", "F:maj7", "D:min7", "E:9", "B:hdim7", "N", "C:maj6",
             "G:sus4", "Eb:min/b3", "C:maj/b7", "D:aug", "F#:min9", "C:(1,3)", "Bb:maj/5"]  # fmt: skip


def _mir_eval(intervals, labels, est):
    n = est.shape[0]
    est_iv = np.stack([np.clip((np.arange(n) - 0.5) / FRAME_RATE, 0, None),
                       (np.arange(n) + 0.5) / FRAME_RATE], axis=1)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return mir_eval.chord.evaluate(
            intervals, list(labels), est_iv, [CLASS_NAMES[c] for c in est]
        )


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.sampled_from(REFERENCE), min_size=1, max_size=8),
    st.integers(0, 2**31 - 1),
    st.integers(20, 600),
)
def test_the_figures_are_mir_evals(labels, seed, n_frames):
    rng = np.random.default_rng(seed)
    edges = np.concatenate([[0.0], np.sort(rng.uniform(0, 8, len(labels) - 1)), [8.0]])
    intervals = np.stack([edges[:-1], edges[1:]], axis=1)
    est = rng.integers(0, 61, n_frames)
    if rng.uniform() < 0.5:  # estimates that are mostly right exercise the matches
        truth = [c for c in (mir_eval_class(lab) for lab in labels)]
        centre = np.arange(n_frames) / FRAME_RATE
        seg = np.clip(np.searchsorted(edges, centre, side="right") - 1, 0, len(labels) - 1)
        est = np.where(rng.uniform(size=n_frames) < 0.8, np.array(truth)[seg], est)
    ours = figures(song_parts(intervals, tuple(labels), est, FRAME_RATE))
    theirs = _mir_eval(intervals, labels, est)
    for rule in RULES:
        if ours[f"wcsr_{rule}"] is not None:
            assert ours[f"wcsr_{rule}"] == pytest.approx(theirs[rule], abs=1e-9)


def mir_eval_class(label: str) -> int:
    from emotrain.plugin.chords import chord_class

    c = chord_class(label)
    return c if 0 <= c <= 60 else 0


def test_rootless_classes_match_no_root_and_excluded_chords_are_not_scored():
    intervals = np.array([[0.0, 1.0], [1.0, 2.0], [2.0, 3.0]])
    labels = ("B:dim", "C:5", "C:maj")
    n = int(3 * FRAME_RATE) + 1
    est = np.full(n, DIM)
    parts = song_parts(intervals, labels, est, FRAME_RATE)
    got = figures(parts)
    # root: B:dim and C:maj scored (2 s), the power chord C:5 never; DIM names no root
    assert parts[1] == pytest.approx(2.0) and got["wcsr_root"] == 0.0
    est = np.full(n, class_index(0, "maj"))
    assert figures(song_parts(intervals, labels, est, FRAME_RATE))["wcsr_majmin"] == 1.0
    assert figures(song_parts(intervals, labels, np.full(n, SUS), FRAME_RATE))["wcsr_root"] == 0.0


def test_songs_add_up_by_duration():
    a = song_parts(np.array([[0.0, 1.0]]), ("C:maj",), np.full(50, 1), FRAME_RATE)
    b = song_parts(np.array([[0.0, 3.0]]), ("C:maj",), np.full(140, 0), FRAME_RATE)
    assert figures(np.stack([a, b]))["wcsr_majmin"] == pytest.approx(1.0 / 4.0)
