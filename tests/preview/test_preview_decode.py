"""The melody decoding rule on probabilities of every shape and spread."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from emotrain.preview.decode import midi_bytes, notes_of, step_pitches

probabilities = arrays(np.float32, st.tuples(st.integers(0, 40), st.just(128)),
                       elements=st.floats(0, 1, width=32))  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(probabilities, st.sampled_from(["top1", "sample"]), st.floats(0, 1), st.integers(0, 99))
def test_a_step_sounds_exactly_when_its_best_note_reaches_min_prob(probs, rule, min_prob, seed):
    pitches = step_pitches(probs, rule, min_prob, seed)
    assert pitches.shape == (probs.shape[0],)
    if probs.shape[0] == 0:
        return
    best = probs.max(axis=1).astype(np.float64)  # exact: a python float vs float32 rounds it
    assert np.array_equal(pitches >= 0, best >= min_prob)
    sounding = pitches >= 0
    chosen = probs[np.flatnonzero(sounding), pitches[sounding]].astype(np.float64)
    if rule == "top1":
        assert np.array_equal(chosen, best[sounding])
    else:  # only notes at or above min_prob are drawn, and the draw is the seed's
        assert np.all(chosen >= min_prob)
        assert np.array_equal(pitches, step_pitches(probs, rule, min_prob, seed))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-1, 127), max_size=60))
def test_held_notes_give_back_the_steps(pitches):
    steps = np.array(pitches, dtype=np.int64)
    back = np.full(steps.shape, -1)
    notes = notes_of(steps)
    for note in notes:
        back[note.step : note.step + note.steps] = note.pitch
    assert np.array_equal(back, steps)
    assert all(a.step + a.steps <= b.step for a, b in itertools.pairwise(notes))
    for a, b in itertools.pairwise(notes):  # a held note is one note, not re-struck
        assert a.pitch != b.pitch or a.step + a.steps < b.step


def test_midi_reads_back_at_its_tempo(tmp_path):
    from symusic import Score

    notes = notes_of(np.array([60, 60, -1, 64, 67, 67, 67]))
    path = tmp_path / "m.mid"
    path.write_bytes(midi_bytes(notes, 96.0))
    score = Score(str(path))
    got = [(n.time, n.duration, n.pitch) for n in score.tracks[0].notes]
    assert got == [(0, 240, 60), (360, 120, 64), (480, 360, 67)]
    assert score.tempos[0].qpm == 96.0
