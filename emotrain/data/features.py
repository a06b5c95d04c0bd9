"""The plugin's audio features in pure torch: librosa's default log-mel, no librosa at run time.

The plugin was built against librosa's defaults (shared/design/datasets.md), so training features
must match them to a fraction of a dB: a periodic Hann window, `center=True` with ZERO padding
(reflect padding moves the edge frames by several dB), power 2, a Slaney-scale filterbank with
Slaney area normalisation (the HTK scale differs by tens of dB), then
`power_to_db(ref=1, amin=1e-10, top_db=80)`. The 80 dB floor is taken relative to the loudest bin
of the whole signal passed in, exactly as `librosa.power_to_db` does on a whole file.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np
import torch

#: Bump when the computation changes in a way the parameters below do not capture: old cache
#: entries then stop matching instead of silently feeding stale features.
FEATURE_VERSION = 1


@dataclass(frozen=True)
class MelParams:
    sample_rate: int = 22050
    n_fft: int = 2048
    hop_length: int = 512
    n_mels: int = 128
    fmin: float = 0.0
    fmax: float | None = None  # None: sample_rate / 2
    power: float = 2.0
    ref: float = 1.0
    amin: float = 1e-10
    top_db: float | None = 80.0

    @property
    def frame_rate(self) -> float:
        """Frames per second; frame i is centred on sample i * hop_length (center=True)."""
        return self.sample_rate / self.hop_length

    def digest(self) -> str:
        """Stable short hash of everything that changes the numbers, for the feature cache key."""
        payload = {"version": FEATURE_VERSION, "window": "hann-periodic", "pad": "constant-center"}
        payload.update(asdict(self))
        text = json.dumps(payload, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


DEFAULT_PARAMS = MelParams()


def _hz_to_mel(freq: np.ndarray) -> np.ndarray:
    """Slaney's scale: linear below 1 kHz, logarithmic above (librosa's htk=False)."""
    f_sp = 200.0 / 3
    mels = freq / f_sp
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    log_region = freq >= min_log_hz
    mels = np.where(
        log_region, min_log_mel + np.log(np.maximum(freq, 1e-12) / min_log_hz) / logstep, mels
    )
    return mels


def _mel_to_hz(mels: np.ndarray) -> np.ndarray:
    f_sp = 200.0 / 3
    freqs = f_sp * mels
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    log_region = mels >= min_log_mel
    return np.where(log_region, min_log_hz * np.exp(logstep * (mels - min_log_mel)), freqs)


@lru_cache(maxsize=8)
def mel_filterbank(params: MelParams = DEFAULT_PARAMS) -> torch.Tensor:
    """(n_mels, 1 + n_fft // 2) float64 Slaney filterbank, built as librosa.filters.mel does."""
    sr, n_fft, n_mels = params.sample_rate, params.n_fft, params.n_mels
    fmax = float(sr) / 2 if params.fmax is None else float(params.fmax)
    fftfreqs = np.fft.rfftfreq(n=n_fft, d=1.0 / sr)
    mel_pts = np.linspace(
        _hz_to_mel(np.array(params.fmin, dtype=np.float64)),
        _hz_to_mel(np.array(fmax, dtype=np.float64)),
        n_mels + 2,
    )
    mel_f = _mel_to_hz(mel_pts)
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fftfreqs)
    lower = -ramps[:n_mels] / fdiff[:n_mels, None]
    upper = ramps[2 : n_mels + 2] / fdiff[1 : n_mels + 1, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_f[2 : n_mels + 2] - mel_f[:n_mels]))[:, None]
    return torch.from_numpy(weights)


def n_frames(n_samples: int, params: MelParams = DEFAULT_PARAMS) -> int:
    return 1 + n_samples // params.hop_length


def log_mel(
    samples: np.ndarray | torch.Tensor,
    params: MelParams = DEFAULT_PARAMS,
    *,
    block_frames: int = 1024,
) -> np.ndarray:
    """(frames, n_mels) float32 log-mel dB of mono samples already at `params.sample_rate`.

    The STFT runs in float64 (cheap on CPU, and within ~1e-5 dB of librosa) over blocks of
    `block_frames` frames, so a ten-minute song needs tens of MB rather than a GB of spectrum. The
    signal is zero-padded by n_fft // 2 on both sides first: that is `center=True` with
    `pad_mode="constant"`, and blocks of frames over it give exactly the frames of one big STFT.
    """
    y = torch.as_tensor(np.asarray(samples), dtype=torch.float64).reshape(-1)
    if y.numel() == 0:
        raise ValueError("no samples")
    n_fft, hop = params.n_fft, params.hop_length
    padded = torch.nn.functional.pad(y, (n_fft // 2, n_fft // 2))
    total = 1 + (padded.numel() - n_fft) // hop
    window = torch.hann_window(n_fft, periodic=True, dtype=torch.float64)
    fb = mel_filterbank(params)
    blocks = []
    for first in range(0, total, block_frames):
        count = min(block_frames, total - first)
        segment = padded[first * hop : (first + count - 1) * hop + n_fft]
        spec = torch.stft(
            segment,
            n_fft=n_fft,
            hop_length=hop,
            win_length=n_fft,
            window=window,
            center=False,
            return_complex=True,
        )
        power = spec.real**2 + spec.imag**2 if params.power == 2.0 else spec.abs() ** params.power
        blocks.append(fb @ power)
    mel = torch.cat(blocks, dim=1)  # (n_mels, frames)
    db = 10.0 * torch.log10(torch.clamp(mel, min=params.amin))
    db -= 10.0 * np.log10(max(params.amin, abs(params.ref)))
    if params.top_db is not None:
        db = torch.maximum(db, db.max() - params.top_db)
    return db.T.contiguous().to(torch.float32).numpy()
