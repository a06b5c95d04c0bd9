"""The MediaEval "Emotion in Music" figures: RMSE and Pearson's r per song at 2 Hz, then averaged.

The benchmark on DEAM (Aljanaki, Yang, Soleymani, PLoS ONE 2017) scores valence and arousal on the
[-1, 1] scale at the annotations' 2 Hz rate, each song on its own, and averages the per-song
figures over songs. Here the grid is every labelled frame nearest a multiple of 0.5 s of the song's
audio (DEAM's annotations sit at 15.0, 15.5, ... s, so the grid frames are within half a frame,
12 ms, of them); the prediction is the streamed output at that frame, the target the frame's label
(the annotation, interpolated over those 12 ms). A song's Pearson r is undefined (left out of the
average) when its labels or its predictions do not vary on the grid, as for static labels.

Per song the figures are stored as (value, defined) column pairs, so the song bootstrap of
evaluation/verdicts.py averages them over the songs of each resample by adding rows.
"""

from __future__ import annotations

import math

import numpy as np

from emotrain.evaluation.metrics import CONSTANT_STD
from emotrain.plugin.embedding import valence_arousal

#: Seconds between annotations in DEAM (and the MediaEval benchmark).
GRID_STEP = 0.5
FIGURES = ("valence_rmse", "arousal_rmse", "valence_pearson", "arousal_pearson")


def grid_frames(mask: np.ndarray, frame_rate: float, step: float = GRID_STEP) -> np.ndarray:
    """Indices of the labelled frames nearest each multiple of `step` seconds."""
    n = mask.shape[0]
    times = np.arange(0.0, n / frame_rate + step, step)
    index = np.unique(np.rint(times * frame_rate).astype(np.int64))
    index = index[index < n]
    return index[mask[index]]


def _constant(x: np.ndarray) -> bool:
    return float(x.std()) <= CONSTANT_STD * max(1.0, float(np.abs(x).mean()))


def _pearson(x: np.ndarray, y: np.ndarray) -> float | None:
    if x.size < 2 or _constant(x) or _constant(y):
        return None
    xc, yc = x - x.mean(), y - y.mean()
    r = float((xc * yc).sum() / math.sqrt(float((xc * xc).sum() * (yc * yc).sum())))
    return r if math.isfinite(r) else None


def song_columns(
    outputs: list[np.ndarray], targets: list[np.ndarray], masks: list[np.ndarray], frame_rate: float
) -> np.ndarray:
    """(songs, 8): per figure of FIGURES, (value, 1) where defined on the song's grid, else (0, 0)."""
    rows = np.zeros((len(outputs), 2 * len(FIGURES)))
    for s, (out, target, mask) in enumerate(zip(outputs, targets, masks, strict=True)):
        grid = grid_frames(mask, frame_rate)
        if grid.size == 0:
            continue
        p = np.asarray(out, dtype=np.float64)[grid]
        t = np.asarray(target, dtype=np.float64)[grid]
        (pv, pa), (tv, ta) = valence_arousal(p), valence_arousal(t)
        values = (
            math.sqrt(float(((pv - tv) ** 2).mean())),
            math.sqrt(float(((pa - ta) ** 2).mean())),
            _pearson(pv, tv),
            _pearson(pa, ta),
        )
        for f, value in enumerate(values):
            if value is not None:
                rows[s, 2 * f : 2 * f + 2] = (value, 1.0)
    return rows


def finish(total: np.ndarray) -> dict[str, float | None]:
    """The per-song figures averaged over the songs where each is defined (None: none)."""
    return {
        name: float(total[2 * f] / total[2 * f + 1]) if total[2 * f + 1] > 0 else None
        for f, name in enumerate(FIGURES)
    }
