"""The plugin's clocks: analysis frames at 22,050 / 512 Hz, melody steps at sixteenths of the tempo."""

from __future__ import annotations

import numpy as np

SAMPLE_RATE = 22050
HOP = 512
FRAME_RATE = SAMPLE_RATE / HOP


def step_seconds(bpm: float) -> float:
    """One sixteenth note: a quarter note is 60 / bpm seconds."""
    return 60.0 / bpm / 4.0


def frame_times(n_frames: int) -> np.ndarray:
    """Frame i's centre in seconds: the features are centred (librosa's center=True) on sample
    i * hop, so frame 0 is at 0 s."""
    return np.arange(n_frames, dtype=np.float64) * HOP / SAMPLE_RATE


def melody_steps(n_samples: int, bpm: float) -> tuple[np.ndarray, np.ndarray]:
    """(step start times, index of the frame each step reads) for a song of n_samples.

    Step k starts at k * 15 / bpm seconds and reads the last frame whose centre is at or before
    that time: the plugin runs the melody on the latest embedding it has.
    """
    duration = n_samples / SAMPLE_RATE
    dt = step_seconds(bpm)
    count = max(1, int(np.ceil(duration / dt - 1e-9)))
    times = np.arange(count, dtype=np.float64) * dt
    n_frames = 1 + n_samples // HOP
    # the last frame whose centre is at or before the step (a tiny epsilon keeps exact hits)
    frames = np.minimum(np.floor(times * FRAME_RATE + 1e-9).astype(np.int64), n_frames - 1)
    return times, frames
