"""The groove vector: hand-placed onsets on a known grid, a two-tempo map, and any onsets in range."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emotrain.plugin.groove import DIM, NAMES, TempoMap, bar_at, bar_grooves, frame_grooves, snap
from emotrain.plugin.timing import frame_times


def test_onsets_snap_to_their_nearest_sixteenth() -> None:
    # tpq 480: a sixteenth is 120 ticks; 60 ticks is half a step and rounds up, reading -1
    g, timing = snap(np.array([0, 130, 350, 110, 60, 1920]), 480)
    assert g.tolist() == [0, 1, 3, 1, 1, 16]
    assert timing == pytest.approx([0, 1 / 6, -1 / 6, -1 / 6, -1, 0])


def test_a_bar_by_hand() -> None:
    bars = bar_grooves(np.array([0, 130, 110, 350, 1920 + 240]), 480)
    assert bars.shape == (2, 32) and DIM == 32 and len(NAMES) == 32
    first, second = bars
    want_on = -np.ones(16)
    want_on[[0, 1, 3]] = 1
    assert first[:16].tolist() == want_on.tolist()
    # position 2 (index 1): one onset 10 ticks late, one 10 early: mean 0; position 4 early
    assert first[16:].tolist() == pytest.approx([0, 0, 0, -1 / 6] + [0] * 12)
    assert second[:16].tolist() == [-1, -1, 1] + [-1] * 13


def test_two_tempos_map_ticks_and_seconds_both_ways() -> None:
    tempo = TempoMap.of(480, np.array([960, 0]), np.array([1_000_000, 500_000]))
    ticks = np.array([0, 480, 960, 1440, 2400])
    seconds = tempo.seconds(ticks)
    assert seconds == pytest.approx([0, 0.5, 1.0, 2.0, 4.0])  # 120 bpm, then 60 from 1 s
    assert tempo.ticks(seconds) == pytest.approx(ticks)
    # a bar is 1,920 ticks: 2 s at 120 bpm; at 60 bpm the second bar (from 1920) starts at 2.92 s
    assert bar_at(tempo, np.array([0.0, 1.99, 2.9, 3.0])).tolist() == [0, 0, 0, 1]


def test_no_tempo_event_is_120_bpm_and_a_late_first_event_starts_there() -> None:
    assert TempoMap.of(96, np.zeros(0), np.zeros(0)).seconds(np.array([96])) == pytest.approx(0.5)
    late = TempoMap.of(96, np.array([192]), np.array([1_000_000]))
    assert late.seconds(np.array([192, 288])) == pytest.approx([1.0, 2.0])


def test_each_frame_reads_its_bar() -> None:
    tempo = TempoMap.of(480, np.array([0]), np.array([500_000]))  # bars of 2 s
    onsets = np.array([0, 1920 + 120])
    out = frame_grooves(onsets, tempo, 200)
    t = frame_times(200)
    assert out.shape == (200, 32)
    second = (t >= 2.0) & (t < 4.0)
    assert (out[t < 2.0, 0] == 1).all() and (out[second, 1] == 1).all()
    assert (out[t >= 2.0, 0] == -1).all() and (out[t >= 4.0, :16] == -1).all()  # empty bar


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(0, 50_000), max_size=200), st.sampled_from([24, 96, 100, 480, 960]))
def test_any_onsets_give_strengths_of_one_and_timings_in_range(ticks, tpq) -> None:
    bars = bar_grooves(np.array(ticks, dtype=np.int64), tpq)
    assert bars.shape[1] == 32 and bars.dtype == np.float32
    assert set(np.unique(bars[:, :16]).tolist()) <= {-1.0, 1.0}
    assert bars[:, 16:].min(initial=0) >= -1 and bars[:, 16:].max(initial=0) < 1
    assert int((bars[:, :16] == 1).sum()) == len(set(snap(np.array(ticks), tpq)[0].tolist()))
