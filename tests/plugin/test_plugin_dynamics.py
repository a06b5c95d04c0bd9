"""The dynamics vector: hand-computed windows, and prefix sums that agree with a per-window loop."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emotrain.plugin.dynamics import (
    DIM,
    FORMULAS,
    INDEX,
    NAMES,
    WINDOW_SECONDS,
    Performance,
    dynamics,
    frame_dynamics,
    n_frames_of,
)
from emotrain.plugin.timing import FRAME_RATE


def _perf(onset, dur, pitch, vel, pedal_time=(), pedal_value=()) -> Performance:
    onset = np.asarray(onset, dtype=np.float64)
    return Performance(
        onset,
        onset + np.asarray(dur, dtype=np.float64),
        np.asarray(pitch),
        np.asarray(vel),
        np.asarray(pedal_time, dtype=np.float64),
        np.asarray(pedal_value),
    )


def test_sixteen_named_dimensions_each_with_a_formula() -> None:
    assert DIM == 16 and len(set(NAMES)) == 16 and set(FORMULAS) == set(NAMES)


def test_a_rising_arpeggio_by_hand() -> None:
    """Four 0.25 s notes every 0.5 s, velocities 40-100, C E G C'; pedal down 0.2-0.7 s; at 1.5 s
    the 2 s window (-0.5, 1.5] holds all four onsets."""
    perf = _perf([0, 0.5, 1.0, 1.5], [0.25] * 4, [60, 64, 67, 72], [40, 60, 80, 100],
                 [0.2, 0.7], [127, 0])  # fmt: skip
    got = dict(zip(NAMES, dynamics(perf, [1.5])[0].astype(np.float64), strict=True))
    pitch_std = np.sqrt(np.mean((np.array([60, 64, 67, 72]) - 65.75) ** 2))
    m = 0.75 / 2.0  # three whole notes sound inside the window; the fourth starts at its end
    want = {
        "loudness": 70 / 127,
        "velocity_spread": np.sqrt(500) / 63.5,
        "crescendo": 0.5 + 40 / 128,  # 40 velocity per second
        "soft_share": 0.25,
        "loud_share": 0.25,
        "note_density": 2 / (2 + 8),  # 4 onsets in 2 s
        "polyphony": m / (m + 4),
        "articulation": (0.5 * 3 + 1) / 4,  # 0.25 s of a 0.5 s gap; the last note has no next
        "note_length": 0.25 / 0.75,
        "pedal": 0.5 / 2.0,
        "register": 65.75 / 127,
        "pitch_spread": pitch_std / 24,
        "bass_share": 0.0,
        "silence": 1 - 0.75 / 2.0,  # the half second before the piece is silence too
        "irregularity": 0.0,  # every gap 0.5 s
        "chord_share": 0.0,
    }
    for name in NAMES:
        assert got[name] == pytest.approx(want[name], abs=1e-6), name


def test_chords_decrescendo_and_an_empty_window() -> None:
    # two 3-note chords (onsets 10 ms apart) 1 s apart, the second softer; pedal never lifted
    perf = _perf([0.0, 0.01, 0.02, 1.0, 1.0, 1.0], [1.0] * 6, [36, 48, 60, 40, 52, 64],
                 [90, 90, 90, 50, 50, 50], [0.0], [100])  # fmt: skip
    at_2, empty = dynamics(perf, [1.9, 10.0])  # (-0.1, 1.9]: all six onsets
    assert at_2[INDEX["chord_share"]] == pytest.approx(1.0)
    assert at_2[INDEX["crescendo"]] < 0.5  # louder then softer
    assert at_2[INDEX["bass_share"]] == pytest.approx(4 / 6)
    assert at_2[INDEX["pedal"]] == pytest.approx(1.9 / 2)  # down from 0 s; before it: up
    assert empty[INDEX["loudness"]] == 0 and empty[INDEX["note_density"]] == 0
    assert empty[INDEX["crescendo"]] == 0.5 and empty[INDEX["silence"]] == 1.0


def test_frames_are_the_analysis_frames() -> None:
    perf = _perf([0.0], [1.0], [60], [64])
    n = n_frames_of(perf)
    assert n == int(np.ceil(FRAME_RATE)) + 1
    out = frame_dynamics(perf, n)
    assert out.shape == (n, 16) and out.dtype == np.float32
    assert out[:, INDEX["loudness"]].min() == pytest.approx(64 / 127)  # the onset at 0 is in


def _naive(perf: Performance, t: float) -> dict[str, float]:
    """A per-window loop over the notes: what the prefix sums must reproduce."""
    inside = (perf.onset > t - WINDOW_SECONDS) & (perf.onset <= t)
    v, p = perf.velocity[inside].astype(float), perf.pitch[inside].astype(float)
    if not inside.any():
        return {"loudness": 0.0, "velocity_spread": 0.0, "register": 0.0, "note_density": 0.0}
    return {
        "loudness": v.mean() / 127,
        "velocity_spread": min(1.0, v.std() / 63.5),
        "register": p.mean() / 127,
        "note_density": (inside.sum() / 2) / (inside.sum() / 2 + 8),
    }


notes = st.lists(
    st.tuples(
        st.floats(0, 20, allow_nan=False),
        st.floats(0.001, 5, allow_nan=False),
        st.integers(0, 127),
        st.integers(1, 127),
    ),
    min_size=0,
    max_size=60,
)


@settings(max_examples=60, deadline=None)
@given(notes, st.lists(st.tuples(st.floats(0, 25), st.integers(0, 127)), max_size=10),
       st.lists(st.floats(-3, 30, allow_nan=False), min_size=1, max_size=20))  # fmt: skip
def test_any_performance_gives_sixteen_numbers_in_range(rows, pedal, times) -> None:
    if rows:
        onset, dur, pitch, vel = (np.array(c) for c in zip(*rows, strict=True))
    else:
        onset, dur, pitch, vel = (np.zeros(0), np.zeros(0), np.zeros(0, int), np.zeros(0, int))
    pt = np.array([t for t, _ in pedal], dtype=np.float64)
    pv = np.array([v for _, v in pedal], dtype=np.int64)
    perf = _perf(onset, dur, pitch, vel, pt, pv)
    out = dynamics(perf, times)
    assert out.shape == (len(times), 16) and out.dtype == np.float32
    assert np.isfinite(out).all() and out.min() >= 0.0 and out.max() <= 1.0
    for t, row in zip(times, out, strict=True):
        for name, value in _naive(perf, t).items():
            assert row[INDEX[name]] == pytest.approx(value, abs=1e-4), name


def test_the_contract_prints_every_dimension_with_its_formula() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "plugin-contract.md").read_text()
    section = doc.split("## Dynamics dimensions", 1)[1].split("\n## ", 1)[0]
    for i, name in enumerate(NAMES):
        assert f"| {i} | `{name}` | {FORMULAS[name]} |" in section, name
    assert "2-second window" in section and WINDOW_SECONDS == 2.0
