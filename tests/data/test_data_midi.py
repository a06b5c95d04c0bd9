"""MIDI -> piano roll of sixteenth-note steps, written and parsed with symusic."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from symusic import Note, Score, Tempo, Track

from emotrain.data.midi import MidiReadError, piano_roll


def _write(path, notes, tpq=480, bpm=120.0, drums=()):
    score = Score(tpq)
    score.tempos.append(Tempo(0, bpm))
    track = Track("piano", program=0)
    for start, dur, pitch in notes:
        track.notes.append(Note(start, dur, pitch, 90))
    score.tracks.append(track)
    if drums:
        kit = Track("drums", program=0, is_drum=True)
        for start, dur, pitch in drums:
            kit.notes.append(Note(start, dur, pitch, 90))
        score.tracks.append(kit)
    score.dump_midi(str(path))
    return path


def test_steps_are_sixteenths_and_short_notes_count(tmp_path):
    # tpq 480: a sixteenth is 120 ticks. A quarter note at 0, a 30-tick grace note inside step 5.
    roll = piano_roll(_write(tmp_path / "a.mid", [(0, 480, 60), (610, 30, 72)]))
    assert roll.shape == (6, 128) and roll.dtype == np.float32
    assert roll[:4, 60].all() and not roll[4:, 60].any()
    assert roll[5, 72] == 1 and roll[:5, 72].sum() == 0
    assert roll.sum() == 5


def test_tempo_does_not_move_steps_and_drums_are_ignored(tmp_path):
    notes = [(0, 240, 64), (480, 240, 67)]
    slow = piano_roll(_write(tmp_path / "slow.mid", notes, bpm=60.0, drums=[(0, 120, 36)]))
    fast = piano_roll(_write(tmp_path / "fast.mid", notes, bpm=180.0))
    coarse = piano_roll(_write(tmp_path / "tpq96.mid", [(0, 48, 64), (96, 48, 67)], tpq=96))
    np.testing.assert_array_equal(slow, fast)
    np.testing.assert_array_equal(slow, coarse)
    assert slow[:, 36].sum() == 0


def test_unparseable_and_empty_files(tmp_path):
    (tmp_path / "bad.mid").write_bytes(b"MThd garbage")
    with pytest.raises(MidiReadError, match="cannot parse MIDI"):
        piano_roll(tmp_path / "bad.mid")
    with pytest.raises(MidiReadError, match="no notes"):
        piano_roll(_write(tmp_path / "empty.mid", []))


@settings(max_examples=30, deadline=None)
@given(
    notes=st.lists(
        st.tuples(st.integers(0, 4000), st.integers(1, 900), st.integers(0, 127)),
        min_size=1,
        max_size=20,
    ),
    tpq=st.sampled_from([96, 120, 480, 960]),
)
def test_roll_marks_exactly_the_overlapped_steps(tmp_path_factory, notes, tpq):
    path = _write(tmp_path_factory.mktemp("h") / "n.mid", notes, tpq=tpq)
    roll = piano_roll(path)
    step = tpq / 4
    expected = np.zeros_like(roll)
    for start, dur, pitch in notes:
        for s in range(roll.shape[0]):
            if start < (s + 1) * step and start + dur > s * step:
                expected[s, pitch] = 1
    np.testing.assert_array_equal(roll, expected)


def test_overlapping_and_adjacent_notes_of_one_key_merge(tmp_path):
    # tpq 480: steps of 120 ticks. Three overlapping Cs, one right after them, one later alone.
    notes = [(0, 240, 60), (120, 360, 60), (60, 100, 60), (480, 120, 60), (960, 120, 60)]
    roll = piano_roll(_write(tmp_path / "o.mid", notes))
    assert roll.dtype == np.float32 and set(np.unique(roll)) <= {0.0, 1.0}
    assert roll[:, 60].tolist() == [1, 1, 1, 1, 1, 0, 0, 0, 1]


@settings(max_examples=30, deadline=None)
@given(
    notes=st.lists(
        st.tuples(st.integers(0, 2000), st.integers(1, 900), st.integers(60, 62)),
        min_size=1,
        max_size=40,
    )
)
def test_stacked_notes_on_few_keys(tmp_path_factory, notes):
    """Many notes on three keys overlap, abut and nest: the roll is still their exact union."""
    path = _write(tmp_path_factory.mktemp("k") / "n.mid", notes, tpq=120)
    roll = piano_roll(path)
    expected = np.zeros_like(roll)
    for start, dur, pitch in notes:
        expected[start // 30 : -(-(start + dur) // 30), pitch] = 1
    np.testing.assert_array_equal(roll, expected)


def _peak_bytes(fn) -> int:
    import tracemalloc

    tracemalloc.start()
    try:
        fn()
    except MidiReadError:
        pass
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_a_note_at_a_huge_tick_is_refused_without_allocating(tmp_path):
    # A few dozen bytes of MIDI whose one note sits 300,000 sixteenths (over 10 hours) in.
    path = _write(tmp_path / "far.mid", [(0, 120, 60), (300_000 * 120, 120, 62)])
    assert path.stat().st_size < 100
    with pytest.raises(MidiReadError, match=r"too long: 300,001 sixteenth steps \(at most 200,000"):
        piano_roll(path)
    assert _peak_bytes(lambda: piano_roll(path)) < 10_000_000


def test_a_long_file_needs_little_more_than_its_roll(tmp_path):
    path = _write(tmp_path / "long.mid", [(0, 120, 60), (100_000 * 120, 120, 62)])
    roll = piano_roll(path)
    assert roll.shape == (100_001, 128) and roll[0, 60] == 1 and roll[-1, 62] == 1
    assert roll.sum() == 2
    # The float32 roll itself is 51 MB; int32 counts and an int64 running sum would add 150 MB.
    assert _peak_bytes(lambda: piano_roll(path)) < 1.5 * roll.nbytes
