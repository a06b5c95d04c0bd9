"""Seconds until the recognizer is half-way to a changed label: known answers by hand, and the
figure in the evaluate report and its text."""

from __future__ import annotations

import numpy as np
import pytest

from emotrain.evaluation.response import half_way_times, response_summary
from emotrain.plugin.embedding import emotion_embedding


def _emb(v, a) -> np.ndarray:
    return emotion_embedding(np.stack([np.asarray(v, float), np.asarray(a, float)], -1))


def test_a_lagging_output_is_timed_to_its_half_way_frame() -> None:
    target = _emb(np.r_[np.full(10, -0.5), np.full(30, 0.5)], np.full(40, 0.5))
    v = np.r_[np.full(10, -0.5), np.linspace(-0.5, 0.5, 21)[:20], np.full(10, 0.5)]
    pred = _emb(v, np.full(40, 0.5))  # crosses 0 at frame 10 + 10
    times = half_way_times(pred, target, np.ones(40, bool), frame_rate=10.0)
    assert times["valence"] == [pytest.approx(1.0)] and times["arousal"] == []
    assert half_way_times(target, target, np.ones(40, bool), 10.0)["valence"] == [0.0]


def test_a_change_never_reached_is_counted_apart_and_unlabelled_frames_skipped() -> None:
    target = _emb(
        np.r_[np.full(5, 0.6), np.full(5, -0.6)], np.r_[np.full(5, 0.6), np.full(5, -0.6)]
    )
    pred = _emb(np.full(10, 0.6), np.r_[np.full(7, 0.6), np.full(3, -0.6)])
    mask = np.ones(10, bool)
    mask[5] = False  # the change is seen at the next labelled frame
    summary = response_summary([pred], [target], [mask], 2.0)
    assert summary["valence_changes"] == 1 and summary["valence_not_crossed"] == 1
    assert summary["valence_median_s"] is None
    assert summary["arousal_median_s"] == pytest.approx(0.5)  # frame 7, seen from frame 6
    small = _emb(np.r_[np.full(5, 0.1), np.full(5, 0.2)], np.full(10, 0.1))
    assert half_way_times(small, small, np.ones(10, bool), 1.0)["valence"] == []


def test_an_interpolated_label_is_one_change_timed_from_its_own_half_way() -> None:
    v = np.r_[np.full(10, -0.6), np.linspace(-0.6, 0.6, 6)[1:], np.full(15, 0.6)]  # 0 at frame 12
    target = _emb(v, np.full(30, 0.2))
    pred = _emb(np.r_[np.full(16, -0.6), np.full(14, 0.6)], np.full(30, 0.2))
    times = half_way_times(pred, target, np.ones(30, bool), frame_rate=4.0)
    assert times["valence"] == [pytest.approx(1.0)]  # frame 16 - frame 12
