"""How fast the recognizer follows a change of emotion: seconds until it is half-way there.

A live set (or a song in sections) changes its label at once; the plugin's melody follows the
recognizer, so a recognizer that needs ten seconds to leave the last song's emotion plays that
song's register over the new one. For each change of the label (a run of consecutive labelled
frames over which valence or arousal moves by at least MIN_CHANGE: a step, or DEAM's 2 Hz labels
interpolated) this measures the time from the label crossing the midpoint between the old and the
new value until the output first crosses it, looking only until the next change. A change the output never crosses is counted apart.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from emotrain.plugin.embedding import valence_arousal

#: Smallest step of a label (valence or arousal, range [-1, 1]) that counts as a change.
MIN_CHANGE = 0.4


def _moves(values: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) index of each run of consecutive changing values: one change each, whether
    the label steps at once or is interpolated over a few frames (DEAM's 2 Hz labels)."""
    moving = np.abs(np.diff(values)) > 1e-6
    edges = np.diff(np.r_[0, moving.astype(np.int8), 0])
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def half_way_times(
    pred: np.ndarray, target: np.ndarray, mask: np.ndarray, frame_rate: float
) -> dict[str, list[float | None]]:
    """Per dimension ("valence", "arousal"): seconds to half-way for each change (None: never).

    `pred` and `target` are (T, 64) embeddings of one stream, `mask` the labelled frames. The
    clock starts where the label itself crosses half-way and runs until the next change."""
    out: dict[str, list[float | None]] = {"valence": [], "arousal": []}
    labelled = np.flatnonzero(mask)
    if labelled.size < 2:
        return out
    for k, (p, t) in enumerate(zip(valence_arousal(pred), valence_arousal(target), strict=True)):
        dim = ("valence", "arousal")[k]
        values = t[labelled]
        moves = [(i, j) for i, j in _moves(values) if abs(values[j] - values[i]) >= MIN_CHANGE]
        for n, (i, j) in enumerate(moves):
            old, new = float(values[i]), float(values[j])
            mid, sign = (old + new) / 2, np.sign(new - old)
            start = int(labelled[i + np.flatnonzero((values[i : j + 1] - mid) * sign >= 0)[0]])
            stop = int(labelled[moves[n + 1][0]]) if n + 1 < len(moves) else len(t)
            crossed = np.flatnonzero((p[start:stop] - mid) * sign >= 0)
            out[dim].append(float(crossed[0]) / frame_rate if crossed.size else None)
    return out


def response_summary(
    outputs: list[np.ndarray], targets: list[np.ndarray], masks: list[np.ndarray], rate: float
) -> dict[str, Any]:
    """Median seconds to half-way per dimension over all changes of the given streams."""
    times: dict[str, list[float | None]] = {"valence": [], "arousal": []}
    for pred, target, mask in zip(outputs, targets, masks, strict=True):
        for dim, values in half_way_times(pred, target, mask, rate).items():
            times[dim] += values
    out: dict[str, Any] = {"min_change": MIN_CHANGE}
    for dim, values in times.items():
        done = [v for v in values if v is not None]
        out[f"{dim}_changes"] = len(values)
        out[f"{dim}_not_crossed"] = len(values) - len(done)
        out[f"{dim}_median_s"] = float(np.median(done)) if done else None
    return out
