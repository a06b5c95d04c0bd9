"""Deterministic test signals in closed form (no RNG streams): a reference made once stays valid.

Used by the librosa parity fixture (fixtures/make_librosa_reference.py) and by the tests that
compare emotrain's torch features against it; both must build exactly the same samples.
"""

from __future__ import annotations

import numpy as np


def lcg_noise(n: int, seed: int = 12345) -> np.ndarray:
    """Uniform noise in [-1, 1) from a 32-bit LCG: bit-exact on every platform and numpy version."""
    out = np.empty(n, dtype=np.float64)
    state = seed & 0xFFFFFFFF
    for i in range(n):
        state = (1664525 * state + 1013904223) & 0xFFFFFFFF
        out[i] = state / 2**31 - 1.0
    return out


def parity_signal(sr: int, seconds: float) -> np.ndarray:
    """A quiet lead-in, a 100 Hz -> 4 kHz chirp, a 440 Hz tone and a little noise, as float64.

    The silent start exercises the zero padding at the edge and the 80 dB floor of power_to_db.
    """
    n = round(sr * seconds)
    t = np.arange(n, dtype=np.float64) / sr
    chirp = 0.4 * np.sin(2 * np.pi * (100.0 * t + (4000.0 - 100.0) / (2 * seconds) * t**2))
    tone = 0.2 * np.sin(2 * np.pi * 440.0 * t)
    y = chirp + tone + 0.02 * lcg_noise(n)
    y[t < 0.1] = 0.0
    ramp = (t >= 0.1) & (t < 0.2)
    y[ramp] *= (t[ramp] - 0.1) / 0.1
    return y


def parity_stereo_44100(seconds: float) -> np.ndarray:
    """(n, 2) at 44.1 kHz: content above 11 kHz tests anti-aliasing; unequal channels, mixing."""
    sr = 44100
    left = parity_signal(sr, seconds)
    t = np.arange(left.shape[0], dtype=np.float64) / sr
    right = (
        0.5 * left + 0.1 * np.sin(2 * np.pi * 15000.0 * t) + 0.1 * np.sin(2 * np.pi * 3000.0 * t)
    )
    return np.stack([left, right], axis=1)
