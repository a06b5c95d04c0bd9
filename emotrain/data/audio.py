"""Decode an audio file to the plugin's input signal: mono float32 at 22,050 Hz.

soundfile's wheels bundle libsndfile (WAV, FLAC, OGG, MP3) and soxr is the resampler librosa uses by
default (`soxr_hq`), so `load_audio` gives what `librosa.load(path, sr=22050)` gives, without
librosa, FFmpeg or torchaudio. The channels are averaged before resampling, as librosa does.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from emotrain.plugin.timing import SAMPLE_RATE

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3")
TARGET_SR = SAMPLE_RATE


class AudioReadError(Exception):
    """A file that cannot be decoded; corpus loaders turn it into a reported skip."""


def resample(y: np.ndarray, sr_in: int, sr_out: int = TARGET_SR) -> np.ndarray:
    """soxr 'HQ' resampling, trimmed or zero-padded to ceil(n * ratio) like librosa's fix=True."""
    if sr_in == sr_out:
        return y
    import soxr

    out = soxr.resample(y, sr_in, sr_out, quality="HQ")
    want = math.ceil(y.shape[0] * sr_out / sr_in)
    if out.shape[0] > want:
        out = out[:want]
    elif out.shape[0] < want:
        out = np.pad(out, (0, want - out.shape[0]))
    return np.ascontiguousarray(out, dtype=np.float32)


def _has_appledouble(path: Path) -> bool:
    """True for a macOS `._x` file or an x beside one: the cases libsndfile gets wrong by path."""
    return path.name.startswith("._") or (path.parent / f"._{path.name}").exists()


def _read(path: Path):
    """Decode by path (libsndfile reads the file itself, much faster for MP3 than through Python
    callbacks), or through an open file where a path would fail: given a path, libsndfile takes a
    macOS `._x.mp3` beside x.mp3 (or a real resource fork) for x.mp3's resource fork and refuses
    to decode it. A path that fails for any reason is retried through a handle."""
    import soundfile as sf

    if not _has_appledouble(path):
        try:
            return sf.read(str(path), dtype="float32", always_2d=True)
        except Exception:
            pass
    with open(path, "rb") as handle:
        return sf.read(handle, dtype="float32", always_2d=True)


def _mix_to_mono(data: np.ndarray) -> np.ndarray:
    """The mean of the channels, summed channel after channel in float32 as librosa's `to_mono`
    (np.mean over the channel axis) does, so the same bits; `data.mean(axis=1)` on frames of two
    interleaved channels takes ~100x longer (a reduction of length 2 per sample)."""
    if data.shape[1] == 1:
        return data[:, 0]  # already mono: a view (the column of one-channel frames is contiguous)
    mono = np.array(data[:, 0], dtype=np.float32)
    for channel in range(1, data.shape[1]):
        mono += data[:, channel]
    if data.shape[1] > 1:
        mono /= np.float32(data.shape[1])
    return mono


def _reason(exc: Exception) -> str:
    """libsndfile's own words (`Format not recognised`), without soundfile's prefix, which names
    the file by its Python repr (`Error opening <_io.BufferedReader name='x.wav'>: `)."""
    import re

    words = getattr(exc, "error_string", None) or str(exc)
    words = re.sub(r"Error opening (<[^>]*>|'[^']*'|\S+): ", "", str(words))
    words = re.sub(r"<_io\.\w+ name=('[^']*'|\"[^\"]*\")>", lambda m: m.group(1)[1:-1], words)
    return " ".join(words.split()).rstrip(".") or type(exc).__name__


def load_audio(path: str | Path, sr: int = TARGET_SR) -> np.ndarray:
    """Mono float32 samples at `sr`; raises AudioReadError with a one-line reason."""
    try:
        data, file_sr = _read(Path(path))
    except Exception as exc:  # libsndfile reports every decoding problem as its own error type
        raise AudioReadError(f"cannot decode audio: {_reason(exc)}") from exc
    if data.shape[0] == 0:
        raise AudioReadError("audio file has no samples")
    mono = _mix_to_mono(data)
    if not np.all(np.isfinite(mono)):
        raise AudioReadError("audio contains NaN or infinite samples")
    return resample(mono, int(file_sr), sr)


def audio_duration(path: str | Path) -> float:
    """Seconds of audio from the header alone (cheap), for benchmarks and summaries."""
    import soundfile as sf

    info = sf.info(str(path))
    return float(info.frames) / float(info.samplerate)
