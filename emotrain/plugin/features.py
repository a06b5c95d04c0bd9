"""The plugin's audio features in numpy: librosa's default log-mel, frame by frame, no librosa.

The plugin was built against librosa's defaults (shared/design/datasets.md), so training features
must match them to a fraction of a dB: a periodic Hann window, `center=True` with ZERO padding
(reflect padding moves the edge frames by several dB), power 2, a Slaney-scale filterbank with
Slaney area normalisation (the HTK scale differs by tens of dB), then
`power_to_db(ref=1, amin=1e-10, top_db=80)` applied to each frame on its own: the 80 dB floor is
that frame's loudest band minus 80 dB. A plugin computing one frame at a time cannot know the
loudest bin of a whole file, so a whole-file floor would train the network on inputs it never sees.

Everything runs in float64 and is rounded to float32 at the end. numpy's float64 FFT is about half
the time (3.6 ms of a 20 s song); the mel bands are one scipy sparse product (a tenth of the
numpy steps' cost, the same bits), and frames go in blocks of 64 through one reused FFT input
buffer (1 MB: it stays in cache). Measured and not kept (issue #25): a float32 FFT with the frames
it could move by more than 5e-4 dB sent back to float64. On music-like MP3s about 12% of frames
go back (the band above ~10 kHz, where soxr's anti-aliasing leaves it 50-70 dB down, is where a
float32 FFT's error, about eps32 times the loudest bin, lands), and then the whole costs more
than float64 alone; without any frame sent back it saves only 17%. torch's FFT (MKL) measured no
faster over the whole computation on one thread and stalls in thread barriers on a busy machine.
This package imports no torch; scipy is optional (numpy's steps give the same bits without it).

Every frame depends on its own n_fft samples alone, and `frame_features` computes each row of a
batch with the same arithmetic whatever the batch holds: numpy's FFT transforms row by row
(checked for many batch sizes in tests/data/test_data_features.py), everything after it is
elementwise, and each mel band is summed bin by bin in one fixed order (a BLAS matrix product may
sum in another order for another number of frames). So the streaming extractor
(emotrain/plugin/streaming.py), fed blocks of any size, gives the very bits of `log_mel`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np

from emotrain.plugin.timing import HOP, SAMPLE_RATE

#: Bump when the computation changes in a way the parameters below do not capture: old cache
#: entries then stop matching instead of silently feeding stale features.
#: 2: the top_db floor is taken per frame, not per file.
FEATURE_VERSION = 2


@dataclass(frozen=True)
class MelParams:
    sample_rate: int = SAMPLE_RATE
    n_fft: int = 2048
    hop_length: int = HOP
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
        payload = {
            "version": FEATURE_VERSION,
            "window": "hann-periodic",
            "pad": "constant-center",
            "floor": "per-frame",
        }
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
def mel_filterbank(params: MelParams = DEFAULT_PARAMS) -> np.ndarray:
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
    weights.setflags(write=False)
    return weights


@dataclass(frozen=True)
class _BandSums:
    """The filterbank as a fixed order of elementwise steps: step j adds, to every band from
    `first[j]` on, its weight on bin `lowest bin of the band + j`. Bands are a few bins wide at the
    bottom and ~50 at the top, so this touches ~2,000 weights per frame where a dense product
    touches 131,000, and each band's sum runs in the same order for any number of frames.

    All steps' bins are gathered and weighted at once (`bins`, `weights`: the steps one after
    another); step j's terms are then rows `start[j]:start[j + 1]` of that product."""

    first: tuple[int, ...]
    start: tuple[int, ...]  # len(first) + 1 row offsets into bins/weights
    bins: np.ndarray  # (sum of the steps' band counts,) bin indices
    weights: np.ndarray  # (same, 1) weights, 0 past the band


@lru_cache(maxsize=8)
def _band_sums(params: MelParams) -> _BandSums:
    fb = mel_filterbank(params)
    n_mels, n_bins = fb.shape
    nonzero = fb > 0
    lo = np.where(nonzero.any(axis=1), nonzero.argmax(axis=1), 0)
    hi = np.where(nonzero.any(axis=1), n_bins - nonzero[:, ::-1].argmax(axis=1), 0)
    # Widths made non-decreasing so the bands still summing at step j are a suffix (a slice).
    reach = np.maximum.accumulate(hi - lo)
    first, start, bins, weights = [], [0], [], []
    for j in range(int(reach.max(initial=0))):
        b0 = int(np.argmax(reach > j))
        index = np.minimum(lo[b0:] + j, n_bins - 1)
        inside = (lo[b0:] + j) < hi[b0:]
        first.append(b0)
        start.append(start[-1] + index.shape[0])
        bins.append(index)
        weights.append(fb[np.arange(b0, n_mels), index] * inside)
    all_bins = np.concatenate(bins) if bins else np.zeros(0, dtype=np.intp)
    all_weights = np.concatenate(weights) if weights else np.zeros(0)
    return _BandSums(tuple(first), tuple(start), all_bins, all_weights[:, None])


@lru_cache(maxsize=8)
def hann_window(n_fft: int) -> np.ndarray:
    """Periodic Hann (scipy.signal.get_window('hann', n, fftbins=True), what librosa uses)."""
    window = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n_fft) / n_fft)
    window.setflags(write=False)
    return window


def frame_features(
    frames: np.ndarray, params: MelParams = DEFAULT_PARAMS, *, out: np.ndarray | None = None
) -> np.ndarray:
    """(k, n_mels) float32 dB of k frames of n_fft raw samples each (rows of `frames`).

    The one per-frame computation, shared by `log_mel` and the streaming extractor: window, real
    FFT, power, Slaney mel, `10 log10(max(amin, mel)) - 10 log10(max(amin, ref))`, then the floor
    at the frame's own maximum minus top_db. `frames` may be a strided view (float32 or float64):
    the window is applied while copying it into the FFT's float64 input, the one copy of the
    samples. With `out`, the dB are written there instead of a new array.
    """
    frames = np.asarray(frames)
    if frames.ndim != 2 or frames.shape[1] != params.n_fft:
        raise ValueError(f"frames must be (k, {params.n_fft}), got {frames.shape}")
    if frames.dtype not in (np.float32, np.float64):
        frames = frames.astype(np.float64)
    if out is None:
        out = np.empty((frames.shape[0], params.n_mels), dtype=np.float32)
    if frames.shape[0]:
        _features_into(frames, params, out, np.empty(frames.shape, dtype=np.float64))
    return out


def _features_into(
    frames: np.ndarray, params: MelParams, out: np.ndarray, windowed: np.ndarray
) -> None:
    """`frame_features` with the FFT's input buffer given, so that `log_mel` reuses one (fresh
    megabytes for every block cost page faults, and a busy machine pays them dearly)."""
    k, n_bins = frames.shape[0], params.n_fft // 2 + 1
    np.multiply(frames, hann_window(params.n_fft), out=windowed)
    spec = np.fft.rfft(windowed, axis=1)
    if params.power == 2.0:
        parts = np.square(spec.view(np.float64), out=spec.view(np.float64)).reshape(k, n_bins, 2)
        power = np.add(parts[..., 0], parts[..., 1])
    else:
        power = np.abs(spec) ** params.power
    db = mel_power(power, params)
    np.maximum(db, params.amin, out=db)
    np.log10(db, out=db)
    db *= 10.0
    db -= 10.0 * np.log10(max(params.amin, abs(params.ref)))
    if params.top_db is not None:
        np.maximum(db, db.max(axis=0) - params.top_db, out=db)
    out[...] = db.T


def mel_power(power: np.ndarray, params: MelParams = DEFAULT_PARAMS) -> np.ndarray:
    """(n_mels, k) float64 mel powers of (k, n_bins) float64 power spectra.

    Each band is summed bin by bin, lowest bin first, starting from 0: the same bits for a frame
    whatever the batch, and the same bits both ways this is computed. With scipy (installed with
    emotrain's dependencies) a sparse matrix product does it in a tenth of the time: scipy's CSR
    product adds `weight * power` into each band in the matrix's column order, with no fused
    multiply-add (tests/data/test_data_features.py compares both ways bit for bit). Without
    scipy, numpy's fixed order of elementwise steps (`_BandSums`) gives those very bits.
    """
    matrix = _sparse_filterbank(params)
    if matrix is not None:
        return np.asarray(matrix @ np.ascontiguousarray(power.T))
    return _stepwise_mel_power(power, params)


def _stepwise_mel_power(power: np.ndarray, params: MelParams) -> np.ndarray:
    sums = _band_sums(params)
    terms = np.take(power.T, sums.bins, axis=0)  # (all steps' bands, k): whole rows below
    terms *= sums.weights
    mel = np.zeros((params.n_mels, power.shape[0]), dtype=np.float64)
    for j, b0 in enumerate(sums.first):
        mel[b0:] += terms[sums.start[j] : sums.start[j + 1]]
    return mel


@lru_cache(maxsize=8)
def _sparse_filterbank(params: MelParams):
    """The filterbank as a scipy CSR matrix (its nonzero weights, each row's columns in order),
    or None without scipy."""
    try:
        from scipy.sparse import csr_matrix
    except ImportError:  # pragma: no cover - scipy comes with mir_eval
        return None
    matrix = csr_matrix(mel_filterbank(params))
    matrix.sort_indices()
    return matrix


def n_frames(n_samples: int, params: MelParams = DEFAULT_PARAMS) -> int:
    return 1 + n_samples // params.hop_length


def log_mel(
    samples: np.ndarray,
    params: MelParams = DEFAULT_PARAMS,
    *,
    block_frames: int = 64,
) -> np.ndarray:
    """(frames, n_mels) float32 log-mel dB of mono samples already at `params.sample_rate`.

    The signal is zero-padded by n_fft // 2 on both sides (`center=True`, `pad_mode="constant"`);
    frame i covers padded samples [i * hop, i * hop + n_fft). Frames go through `frame_features`
    in blocks of `block_frames` through one FFT input buffer (1 MB for 64 frames, however long
    the song); any block size gives the same bits.
    """
    y = np.asarray(samples).reshape(-1)
    if y.dtype not in (np.float32, np.float64):  # float32 stays float32: widened exactly later
        y = y.astype(np.float64)
    if y.size == 0:
        raise ValueError("no samples")
    n_fft, hop = params.n_fft, params.hop_length
    padded = np.pad(y, n_fft // 2)
    frames = np.lib.stride_tricks.sliding_window_view(padded, n_fft)[::hop]  # a view, no copy
    out = np.empty((frames.shape[0], params.n_mels), dtype=np.float32)
    step = max(1, int(block_frames))
    windowed = np.empty((min(step, frames.shape[0]), n_fft), dtype=np.float64)
    for first in range(0, frames.shape[0], step):
        block = frames[first : first + step]
        _features_into(block, params, out[first : first + step], windowed[: block.shape[0]])
    return out
