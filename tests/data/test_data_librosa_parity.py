"""Per-frame parity with librosa itself on audio decoded from files, run live (librosa is in the
`dev` extra, never a run-time dependency). librosa's reference: `melspectrogram` with its
defaults, then `power_to_db(ref=1.0, amin=1e-10, top_db=80)` on each frame's mel vector, which is
what a plugin computing one frame at a time gets. One module, one import: librosa loads slowly.
"""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from emotrain.data.audio import load_audio
from emotrain.plugin.features import log_mel

# librosa's audioread fallback imports modules Python 3.13 drops; not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
TOLERANCE_DB = 1e-3
SR_FILE = 44100


def _music(t: np.ndarray, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y = 0.3 * np.sin(2 * np.pi * 220 * t) + 0.1 * np.sin(2 * np.pi * 1375 * t + 1.0)
    return y + 0.02 * rng.standard_normal(t.size)


def _signal(kind: str) -> np.ndarray:
    t = np.arange(int(3.0 * SR_FILE)) / SR_FILE
    if kind == "digital_silence":
        return np.zeros_like(t)
    y = _music(t, 1)
    if kind == "fade_to_silence":  # 60 dB in 1.5 s, then exact zeros
        fade = t >= 0.5
        y[fade] *= np.exp(-(t[fade] - 0.5) * 4.6)
        y[t >= 2.0] = 0.0
    elif kind == "long_pause":  # 2 s of nothing between two passages
        y[(t >= 0.4) & (t < 2.4)] = 0.0
    return y


FILES = [
    ("digital_silence", "wav"),
    ("fade_to_silence", "wav"),
    ("fade_to_silence", "mp3"),
    ("long_pause", "wav"),
    ("long_pause", "flac"),
    ("long_pause", "ogg"),
    ("long_pause", "mp3"),
]


@pytest.fixture(scope="module")
def librosa():
    import librosa  # in the dev extra: missing, this fails rather than skips

    return librosa


@pytest.mark.parametrize(("kind", "fmt"), FILES)
def test_every_frame_matches_librosa_on_decoded_audio(librosa, tmp_path, kind, fmt):
    y = _signal(kind)
    path = tmp_path / f"{kind}.{fmt}"
    sf.write(path, np.stack([y, 0.7 * y], axis=1).astype(np.float32), SR_FILE)
    ours = log_mel(load_audio(path))
    ref_y, _ = librosa.load(path, sr=22050)
    mel = librosa.feature.melspectrogram(y=ref_y, sr=22050)
    ref = np.stack([librosa.power_to_db(m, ref=1.0, amin=1e-10, top_db=80.0) for m in mel.T])
    assert ours.shape == ref.shape
    assert np.max(np.abs(ours - ref)) <= TOLERANCE_DB
    if kind != "digital_silence":  # the pause/fade frames are floored against their own maximum
        quiet = ours.max(axis=1) < ours.max() - 40.0
        assert quiet.any()
        assert np.all(ours.min(axis=1) >= ours.max(axis=1) - 80.0 - 1e-3)
    else:
        assert np.all(ours == np.float32(-100.0))
