"""The groove vector: onset strength and micro-timing of each sixteenth position of the current bar.

The groove predictor's output (32, tanh) means these numbers (docs/plugin-contract.md, "Groove
dimensions"); training computes its targets here, evaluation scores against them and preview plays
micro-timing back from them.

The grid is the file's own: a sixteenth is a quarter of the file's ticks per quarter, so tempo
changes move the grid with the music, and a bar is 16 sixteenths counted from tick 0 (the vector
has one 4/4 bar of positions; other time signatures are not followed). Every onset snaps to its
nearest sixteenth g (a half step rounds up); its offset is (onset - g) in steps, in [-0.5, 0.5).
For bar b and position p (g = 16 b + p):
- dimension p (0-15): onset strength 2q - 1, q = 1 if any onset snaps to (b, p), else 0 (the
  network's mean over many bars is then 2 x the onset probability - 1, as the contract says);
- dimension 16 + p: micro-timing, the mean offset of those onsets x 2 (half a step early -> -1,
  late -> +1), 0 where no onset snaps.
An analysis frame's target is the vector of the bar its centre time falls in, found through the
file's tempo map.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emotrain.plugin.timing import frame_times

STEPS_PER_BAR = 16
STEPS_PER_QUARTER = 4
DIM = 2 * STEPS_PER_BAR
#: MIDI's tempo before the first tempo event: 120 bpm.
DEFAULT_MSPQ = 500_000
NAMES = tuple(f"onset_{p + 1}" for p in range(STEPS_PER_BAR)) + tuple(
    f"timing_{p + 1}" for p in range(STEPS_PER_BAR)
)


@dataclass(frozen=True)
class TempoMap:
    """Ticks <-> seconds through a file's tempo changes (microseconds per quarter from a tick)."""

    tpq: int
    change_ticks: np.ndarray  # (k,) int64, increasing, the first 0
    mspq: np.ndarray  # (k,) float64

    @classmethod
    def of(cls, tpq: int, ticks: np.ndarray, mspq: np.ndarray) -> TempoMap:
        """From a file's tempo events in any order; the last event at a tick wins, and the time
        before the first event runs at MIDI's default 120 bpm."""
        ticks = np.asarray(ticks, dtype=np.int64).reshape(-1)
        mspq = np.asarray(mspq, dtype=np.float64).reshape(-1)
        order = np.argsort(ticks, kind="stable")
        ticks, mspq = ticks[order], mspq[order]
        keep = np.ones(ticks.size, dtype=bool)
        keep[:-1] = ticks[1:] != ticks[:-1]  # the last of equal ticks
        ticks, mspq = ticks[keep], mspq[keep]
        if ticks.size == 0 or ticks[0] > 0:
            ticks = np.concatenate([[0], ticks])
            mspq = np.concatenate([[float(DEFAULT_MSPQ)], mspq])
        return cls(int(tpq), ticks, mspq)

    def _starts(self) -> np.ndarray:
        """Seconds at each tempo change."""
        per_tick = self.mspq / 1e6 / self.tpq
        return np.concatenate([[0.0], np.cumsum(np.diff(self.change_ticks) * per_tick[:-1])])

    def seconds(self, ticks: np.ndarray) -> np.ndarray:
        t = np.asarray(ticks, dtype=np.float64)
        k = np.maximum(np.searchsorted(self.change_ticks, t, side="right") - 1, 0)
        return self._starts()[k] + (t - self.change_ticks[k]) * self.mspq[k] / 1e6 / self.tpq

    def ticks(self, seconds: np.ndarray) -> np.ndarray:
        s = np.asarray(seconds, dtype=np.float64)
        starts = self._starts()
        k = np.maximum(np.searchsorted(starts, s, side="right") - 1, 0)
        return self.change_ticks[k] + (s - starts[k]) * self.tpq * 1e6 / self.mspq[k]


def snap(onset_ticks: np.ndarray, tpq: int) -> tuple[np.ndarray, np.ndarray]:
    """(nearest sixteenth index g, micro-timing in [-1, 1)) of each onset."""
    steps = np.asarray(onset_ticks, dtype=np.float64) / (tpq / STEPS_PER_QUARTER)
    g = np.floor(steps + 0.5)
    return g.astype(np.int64), 2.0 * (steps - g)


def bar_grooves(onset_ticks: np.ndarray, tpq: int, n_bars: int | None = None) -> np.ndarray:
    """(n_bars, 32) float32: the groove vector of every bar from tick 0 (enough bars for the last
    onset when n_bars is None)."""
    g, timing = snap(onset_ticks, tpq)
    g = np.maximum(g, 0)
    need = int(g.max()) // STEPS_PER_BAR + 1 if g.size else 0
    n_bars = need if n_bars is None else int(n_bars)
    inside = g < n_bars * STEPS_PER_BAR
    cells = n_bars * STEPS_PER_BAR
    count = np.bincount(g[inside], minlength=cells)[:cells]
    total = np.bincount(g[inside], weights=timing[inside], minlength=cells)[:cells]
    has = count > 0
    strength = np.where(has, 1.0, -1.0)
    micro = np.where(has, total / np.maximum(count, 1), 0.0)
    out = np.concatenate(
        [strength.reshape(n_bars, STEPS_PER_BAR), micro.reshape(n_bars, STEPS_PER_BAR)], axis=1
    )
    return out.astype(np.float32)


def bar_at(tempo: TempoMap, seconds: np.ndarray) -> np.ndarray:
    """The bar (from tick 0, 16 sixteenths each) that each time falls in."""
    ticks = tempo.ticks(seconds)
    per_bar = tempo.tpq / STEPS_PER_QUARTER * STEPS_PER_BAR
    return np.floor(ticks / per_bar + 1e-9).astype(np.int64)


def frame_grooves(onset_ticks: np.ndarray, tempo: TempoMap, n_frames: int) -> np.ndarray:
    """(n_frames, 32): the vector of the bar each analysis frame's centre falls in."""
    bars = bar_at(tempo, frame_times(n_frames))
    table = bar_grooves(onset_ticks, tempo.tpq, n_bars=int(bars.max(initial=0)) + 1)
    return table[bars]
