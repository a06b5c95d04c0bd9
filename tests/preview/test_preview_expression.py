"""Preview's reading of dynamics and groove: velocity from loudness, start from micro-timing, and
today's fixed velocity and grid when a helper is missing."""

from __future__ import annotations

import numpy as np
import pytest

from emotrain.plugin.chain import SongOutputs
from emotrain.plugin.dynamics import INDEX, NAMES
from emotrain.plugin.timing import frame_times, melody_steps
from emotrain.plugin.wiring import DYNAMICS, GROOVE, MELODY
from emotrain.preview.outputs import write_song


def _song(helpers: tuple[str, ...]) -> SongOutputs:
    """2 s at 120 bpm: 16 steps; the melody plays C4 on even steps and E4 on odd ones (each step
    its own note), loudness rises over the frames, every position is 0.5 late (timing +0.5)
    except position 4, a whole half step early (-1)."""
    n_samples = 2 * 22050
    times, step_frame = melody_steps(n_samples, 120.0)
    n_frames = 1 + n_samples // 512
    probs = np.zeros((times.size, 128), dtype=np.float32)
    probs[np.arange(times.size), np.where(np.arange(times.size) % 2 == 0, 60, 64)] = 0.9
    song = SongOutputs(n_samples, np.zeros((n_frames, 128), np.float32), frame_times(n_frames),
                       times, step_frame, {MELODY: probs})  # fmt: skip
    if DYNAMICS in helpers:
        dyn = np.full((n_frames, 16), 0.25, dtype=np.float32)
        dyn[:, INDEX["loudness"]] = np.linspace(0.2, 0.9, n_frames)
        song.outputs[DYNAMICS] = dyn
    if GROOVE in helpers:
        groove = np.zeros((n_frames, 32), dtype=np.float32)
        groove[:, 16:] = 0.5
        groove[:, 16 + 3] = -1.0
        song.outputs[GROOVE] = groove
    return song


def _write(tmp_path, song):
    summary = write_song(tmp_path, "s", song, bpm=120.0, decode="top1", min_prob=0.1, seed=0,
                         step_s=0.125)  # fmt: skip
    from symusic import Score

    notes = sorted((n for t in Score(str(tmp_path / "melody.mid")).tracks for n in t.notes),
                   key=lambda n: n.time)  # fmt: skip
    return summary, notes


def test_velocity_follows_loudness_and_starts_follow_micro_timing(tmp_path) -> None:
    song = _song((DYNAMICS, GROOVE))
    summary, notes = _write(tmp_path, song)
    assert len(notes) == 16
    loud = song.outputs[DYNAMICS][song.step_frame, 0]
    assert [n.velocity for n in notes] == [int(np.clip(round(127 * x), 1, 127)) for x in loud]
    assert notes[0].velocity < notes[-1].velocity  # a crescendo heard
    want = [k * 120 + (-60 if k % 16 == 3 else 30) for k in range(16)]
    assert [n.time for n in notes] == want
    assert all(n.time + n.duration == (k + 1) * 120 for k, n in enumerate(notes))  # ends on grid
    assert summary["melody"]["velocity"] == "dynamics loudness"
    assert summary["melody"]["timing"] == "groove micro-timing"
    mean = summary["dynamics"]["mean"]
    assert list(mean) == list(NAMES)
    assert mean["loudness"] == pytest.approx(0.55, abs=1e-6) and mean["pedal"] == 0.25


@pytest.mark.parametrize("helpers", [(), (DYNAMICS,), (GROOVE,)])
def test_a_missing_helper_keeps_the_fixed_velocity_or_the_grid(tmp_path, helpers) -> None:
    summary, notes = _write(tmp_path, _song(helpers))
    if DYNAMICS not in helpers:
        assert {n.velocity for n in notes} == {80}
        assert summary["melody"]["velocity"] == "fixed 80" and summary["dynamics"] is None
    if GROOVE not in helpers:
        assert [n.time for n in notes] == [k * 120 for k in range(16)]
        assert summary["melody"]["timing"] == "grid"


def test_a_timing_of_plus_one_stays_inside_its_step(tmp_path) -> None:
    song = _song((GROOVE,))
    song.outputs[GROOVE][:, 16:] = 1.0
    _, notes = _write(tmp_path, song)
    assert [n.time for n in notes] == [k * 120 + 59 for k in range(16)]
