"""The dynamics vector: 16 named expression quantities of a performance over a window ending now.

The dynamics engine's output (16, sigmoid) means these numbers (docs/plugin-contract.md, "Dynamics
dimensions"); training computes its targets here from performance MIDI, evaluation scores against
them and preview reads loudness back from them, so the three cannot disagree.

Every quantity is taken over the window (t - WINDOW_SECONDS, t] that ends at the moment t being
described: the plugin can only know what has already been played. "The window's onsets" are the
notes whose onset falls inside it; time-based shares (polyphony, pedal, silence) integrate over the
whole window, with the time before the start of the piece counted as silence, pedal up. Unbounded
quantities are squashed as x / (x + c), so c is the value that reads 0.5. An empty window (no onset)
reads 0 for every onset-based quantity, 0.5 for crescendo.

All windows are computed at once from prefix sums over the notes sorted by onset, so a long file
costs a few array passes, not a Python loop per note or per frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from emotrain.plugin.timing import frame_times

#: Length of the window each vector describes, in seconds.
WINDOW_SECONDS = 2.0
#: Two onsets at most this far apart (seconds) sound as one chord.
CHORD_SECONDS = 0.03
#: Sustain pedal (CC64) is down from this value on, as General MIDI reads it.
PEDAL_DOWN = 64

NAMES = (
    "loudness",
    "velocity_spread",
    "crescendo",
    "soft_share",
    "loud_share",
    "note_density",
    "polyphony",
    "articulation",
    "note_length",
    "pedal",
    "register",
    "pitch_spread",
    "bass_share",
    "silence",
    "irregularity",
    "chord_share",
)
DIM = len(NAMES)
INDEX = {name: i for i, name in enumerate(NAMES)}

#: One line per dimension: the formula docs/plugin-contract.md prints (n = the window's onsets,
#: W = WINDOW_SECONDS, v velocity, p pitch, d duration in seconds).
FORMULAS = {
    "loudness": "mean v / 127",
    "velocity_spread": "min(1, std v / 63.5)",
    "crescendo": "clip(0.5 + b / 128, 0, 1); b: slope of v (v/s)",
    "soft_share": "share of onsets with v < 48",
    "loud_share": "share of onsets with v >= 96",
    "note_density": "r / (r + 8); r = n / W onsets per second",
    "polyphony": "m / (m + 4); m: mean number sounding",
    "articulation": "mean min(1, d / g); g: gap to the next onset",
    "note_length": "L / (L + 0.5); L = mean d",
    "pedal": "share of the window with CC64 >= 64",
    "register": "mean p / 127",
    "pitch_spread": "min(1, std p / 24)",
    "bass_share": "share of onsets with p < 60",
    "silence": "share of the window with no note sounding",
    "irregularity": "c / (c + 1); c: std / mean of onset gaps",
    "chord_share": "share of onsets with another onset within 30 ms",
}


@dataclass(frozen=True)
class Performance:
    """A performance's notes and sustain pedal in seconds (drums left out: not pitches)."""

    onset: np.ndarray  # (n,) float64 seconds
    end: np.ndarray  # (n,) float64 seconds, > onset
    pitch: np.ndarray  # (n,) int 0-127
    velocity: np.ndarray  # (n,) int 1-127
    #: (k,) float64 seconds of the CC64 events, and their (k,) values 0-127
    pedal_time: np.ndarray = field(default_factory=lambda: np.zeros(0))
    pedal_value: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def duration(self) -> float:
        """Seconds until the last note ends (0 for no notes)."""
        return float(self.end.max()) if self.end.size else 0.0


def _prefix(x: np.ndarray) -> np.ndarray:
    return np.concatenate([[0.0], np.cumsum(x, dtype=np.float64)])


def _covered(starts: np.ndarray, ends: np.ndarray, at: np.ndarray) -> np.ndarray:
    """sum_j clip(at - starts_j, 0, ends_j - starts_j): the time the intervals cover before `at`."""
    s, e = np.sort(starts), np.sort(ends)
    ps, pe = _prefix(s), _prefix(e)
    ks = np.searchsorted(s, at, side="left")
    ke = np.searchsorted(e, at, side="left")
    return (ks * at - ps[ks]) - (ke * at - pe[ke])


def _union(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The union of [start, end) intervals as disjoint intervals."""
    if starts.size == 0:
        return starts, ends
    order = np.argsort(starts, kind="stable")
    s, e = starts[order], ends[order]
    reach = np.maximum.accumulate(e)
    new = np.ones(s.size, dtype=bool)
    new[1:] = s[1:] > reach[:-1]
    first = np.flatnonzero(new)
    last = np.append(first[1:], s.size) - 1
    return s[first], reach[last]


def _pedal_intervals(perf: Performance, until: float) -> tuple[np.ndarray, np.ndarray]:
    """[down, up) intervals of the sustain pedal; one still down at the end lasts to `until`."""
    if perf.pedal_time.size == 0:
        return np.zeros(0), np.zeros(0)
    order = np.argsort(perf.pedal_time, kind="stable")
    t = np.asarray(perf.pedal_time, dtype=np.float64)[order]
    down = np.asarray(perf.pedal_value)[order] >= PEDAL_DOWN
    prev = np.concatenate([[False], down[:-1]])
    starts = t[down & ~prev]
    ends = t[~down & prev]
    if ends.size < starts.size:
        ends = np.append(ends, max(until, float(t[-1])))
    return starts, ends


def _share(starts: np.ndarray, ends: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Time the intervals cover inside (lo, hi], over hi - lo."""
    return (_covered(starts, ends, hi) - _covered(starts, ends, lo)) / (hi - lo)


def dynamics(perf: Performance, times: np.ndarray, window: float = WINDOW_SECONDS) -> np.ndarray:
    """(len(times), 16) float32 in [0, 1]: the vector of the window (t - window, t] per time t."""
    times = np.asarray(times, dtype=np.float64).reshape(-1)
    lo_t = times - window
    order = np.argsort(perf.onset, kind="stable")
    s = np.asarray(perf.onset, dtype=np.float64)[order]
    e = np.asarray(perf.end, dtype=np.float64)[order]
    v = np.asarray(perf.velocity, dtype=np.float64)[order]
    p = np.asarray(perf.pitch, dtype=np.float64)[order]
    d = e - s
    lo = np.searchsorted(s, lo_t, side="right")
    hi = np.searchsorted(s, times, side="right")
    n = (hi - lo).astype(np.float64)
    has = n > 0
    safe_n = np.where(has, n, 1.0)

    def wsum(x: np.ndarray) -> np.ndarray:
        pre = _prefix(x)
        return pre[hi] - pre[lo]

    def wmean(x: np.ndarray) -> np.ndarray:
        return np.where(has, wsum(x) / safe_n, 0.0)

    def wstd(x: np.ndarray) -> np.ndarray:
        # centred on the piece's mean first, so the prefix sums do not cancel
        c = x - (x.mean() if x.size else 0.0)
        m = wmean(c)
        return np.sqrt(np.maximum(wmean(c * c) - m * m, 0.0))

    out = np.zeros((times.size, DIM), dtype=np.float64)
    out[:, INDEX["loudness"]] = wmean(v) / 127.0
    out[:, INDEX["velocity_spread"]] = np.minimum(1.0, wstd(v) / 63.5)
    out[:, INDEX["crescendo"]] = _crescendo(s, v, lo, hi, n)
    out[:, INDEX["soft_share"]] = wmean((v < 48).astype(np.float64))
    out[:, INDEX["loud_share"]] = wmean((v >= 96).astype(np.float64))
    rate = n / window
    out[:, INDEX["note_density"]] = rate / (rate + 8.0)
    m = _share(s, e, lo_t, times)  # time-average count of notes sounding
    out[:, INDEX["polyphony"]] = m / (m + 4.0)
    out[:, INDEX["articulation"]] = wmean(_articulation(s, d))
    length = wmean(d)
    out[:, INDEX["note_length"]] = length / (length + 0.5)
    ps, pe = _pedal_intervals(perf, max(perf.duration, float(times.max(initial=0.0))))
    out[:, INDEX["pedal"]] = _share(ps, pe, lo_t, times)
    out[:, INDEX["register"]] = wmean(p) / 127.0
    out[:, INDEX["pitch_spread"]] = np.minimum(1.0, wstd(p) / 24.0)
    out[:, INDEX["bass_share"]] = wmean((p < 60).astype(np.float64))
    us, ue = _union(s, e)
    out[:, INDEX["silence"]] = 1.0 - _share(us, ue, lo_t, times)
    out[:, INDEX["irregularity"]] = _irregularity(s, lo_t, times)
    out[:, INDEX["chord_share"]] = wmean(_chordal(s))
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def frame_dynamics(perf: Performance, n_frames: int) -> np.ndarray:
    """(n_frames, 16): the vector at each analysis frame's centre (timing.frame_times)."""
    return dynamics(perf, frame_times(n_frames))


def n_frames_of(perf: Performance) -> int:
    """Analysis frames from 0 s until the last note ends (the frame at or after its end included)."""
    from emotrain.plugin.timing import FRAME_RATE

    return int(np.ceil(perf.duration * FRAME_RATE)) + 1


def _crescendo(
    s: np.ndarray, v: np.ndarray, lo: np.ndarray, hi: np.ndarray, n: np.ndarray
) -> np.ndarray:
    """0.5 + slope / 128 (velocity per second), 0.5 where fewer than two distinct onset times."""
    c = s - (s.mean() if s.size else 0.0)
    pre = {k: _prefix(x) for k, x in (("t", c), ("v", v), ("tt", c * c), ("tv", c * v))}
    sums = {k: x[hi] - x[lo] for k, x in pre.items()}
    den = n * sums["tt"] - sums["t"] ** 2
    num = n * sums["tv"] - sums["t"] * sums["v"]
    ok = (n >= 2) & (den > 1e-9 * np.maximum(n, 1.0) ** 2)
    slope = np.where(ok, num / np.where(ok, den, 1.0), 0.0)
    return np.clip(0.5 + slope / 128.0, 0.0, 1.0)


def _articulation(s: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Per note (sorted by onset): min(1, duration / time to the next later onset), 1 if none."""
    nxt = np.searchsorted(s, s, side="right")
    has_next = nxt < s.size
    gap = np.where(has_next, s[np.minimum(nxt, max(s.size - 1, 0))] - s, 1.0)
    return np.where(has_next, np.minimum(1.0, d / np.where(has_next, gap, 1.0)), 1.0)


def _chordal(s: np.ndarray) -> np.ndarray:
    """Per note (sorted by onset): 1 when another onset lies within CHORD_SECONDS."""
    gaps = np.diff(s)
    near = gaps <= CHORD_SECONDS
    out = np.zeros(s.size, dtype=np.float64)
    if s.size > 1:
        out[1:] += near
        out[:-1] += near
    return (out > 0).astype(np.float64)


def _irregularity(s: np.ndarray, lo_t: np.ndarray, times: np.ndarray) -> np.ndarray:
    """cv / (cv + 1) of the gaps between distinct onset times, each gap counted at its later
    onset when that onset is in the window; 0 with fewer than two gaps."""
    u = np.unique(s)
    if u.size < 2:
        return np.zeros(times.size)
    gap, at = np.diff(u), u[1:]
    lo = np.searchsorted(at, lo_t, side="right")
    hi = np.searchsorted(at, times, side="right")
    k = (hi - lo).astype(np.float64)
    pg, pg2 = _prefix(gap), _prefix(gap * gap)
    ok = k >= 2
    safe = np.where(ok, k, 1.0)
    mean = (pg[hi] - pg[lo]) / safe
    var = np.maximum((pg2[hi] - pg2[lo]) / safe - mean * mean, 0.0)
    cv = np.sqrt(var) / np.where(mean > 0, mean, 1.0)
    return np.where(ok, cv / (cv + 1.0), 0.0)
