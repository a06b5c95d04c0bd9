"""The log-mel must equal librosa's defaults: checked against numbers librosa produced.

The reference (fixtures/librosa_logmel.npz) was made by fixtures/make_librosa_reference.py with
librosa 0.11.0 from the closed-form signals in parity_signals.py, `power_to_db` applied to each
frame's mel vector; librosa is not imported here (test_data_librosa_parity.py runs it live).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from hypothesis import given, settings
from hypothesis import strategies as st
from parity_signals import parity_signal, parity_stereo_44100

from emotrain.data.audio import load_audio
from emotrain.plugin.features import (
    DEFAULT_PARAMS,
    FEATURE_VERSION,
    MelParams,
    frame_features,
    log_mel,
    mel_filterbank,
    n_frames,
)

FIXTURE = Path(__file__).parent / "fixtures" / "librosa_logmel.npz"
TOLERANCE_DB = 1e-3


@pytest.fixture(scope="module")
def reference() -> dict[str, np.ndarray]:
    with np.load(FIXTURE) as data:
        return {k: data[k] for k in data.files}


def test_log_mel_matches_librosa_at_22050(reference):
    ours = log_mel(parity_signal(22050, 1.5).astype(np.float32))
    ref = reference["mono22050"]
    assert ours.shape == ref.shape == (65, 128)
    assert ours.dtype == np.float32
    assert np.max(np.abs(ours - ref)) < TOLERANCE_DB


def test_decode_mix_and_resample_match_librosa_load(reference, tmp_path):
    path = tmp_path / "stereo.wav"
    sf.write(path, parity_stereo_44100(1.0), 44100, subtype="FLOAT")
    samples = load_audio(path)
    assert samples.shape == (int(reference["stereo44100_samples"]),)
    ours = log_mel(samples)
    assert ours.shape == reference["stereo44100"].shape
    assert np.max(np.abs(ours - reference["stereo44100"])) < TOLERANCE_DB


def test_reflect_padding_would_not_pass(reference):
    """Guards the test itself: edge frames depend on the padding mode, as datasets.md says."""
    y = np.pad(parity_signal(22050, 1.5), 1024, mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(y, 2048)[::512]
    db = frame_features(frames)
    assert np.max(np.abs(db[-2:] - reference["mono22050"][-2:])) > 1.0


def test_a_whole_file_floor_would_not_pass(reference):
    """Guards the per-frame floor: the quiet lead-in sits far below the file's loudest bin - 80."""
    ours = log_mel(parity_signal(22050, 1.5).astype(np.float32))
    whole_file_floor = np.maximum(ours, ours.max() - 80.0)
    assert np.max(np.abs(whole_file_floor - reference["mono22050"])) > 10.0


def test_filterbank_is_slaney_normalised():
    fb = mel_filterbank(DEFAULT_PARAMS)
    assert fb.shape == (128, 1025)
    assert np.all(fb >= 0) and np.all(fb.max(axis=1) > 0)
    # Slaney area normalisation: each triangle's height is 2 / (its width in Hz).
    assert fb.max() < 0.05


def test_silence_is_the_floor():
    feats = log_mel(np.zeros(4096, dtype=np.float32))
    assert feats.shape == (9, 128)
    assert np.all(feats == pytest.approx(-100.0))


def test_empty_signal_is_rejected():
    with pytest.raises(ValueError):
        log_mel(np.zeros(0, dtype=np.float32))


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(min_value=1, max_value=30_000),
    gain=st.floats(min_value=1e-4, max_value=10.0),
    seed=st.integers(0, 2**16),
)
def test_frame_count_and_80_db_range_per_frame(n, gain, seed):
    y = (gain * np.random.default_rng(seed).standard_normal(n)).astype(np.float32)
    feats = log_mel(y)
    assert feats.shape == (n_frames(n), 128) == (1 + n // 512, 128)
    assert np.all(np.isfinite(feats))
    assert np.all(feats.max(axis=1) - feats.min(axis=1) <= 80.0 + 1e-3)


def test_params_digest_changes_with_the_recipe():
    assert DEFAULT_PARAMS.digest() == MelParams().digest()
    assert MelParams(top_db=None).digest() != DEFAULT_PARAMS.digest()
    assert MelParams(n_mels=64).digest() != DEFAULT_PARAMS.digest()


def test_the_per_frame_recipe_has_its_own_cache_key():
    """Features floored against the whole file (version 1) must never be served again."""
    import hashlib
    import json
    from dataclasses import asdict

    old = {"version": 1, "window": "hann-periodic", "pad": "constant-center", **asdict(MelParams())}
    old_digest = hashlib.sha256(json.dumps(old, sort_keys=True).encode()).hexdigest()[:16]
    assert FEATURE_VERSION >= 2 and DEFAULT_PARAMS.digest() != old_digest


@settings(max_examples=10, deadline=None)
@given(n=st.integers(min_value=1, max_value=40_000), block=st.integers(1, 40))
def test_any_block_of_frames_gives_the_same_bits(n, block):
    y = np.random.default_rng(n).standard_normal(n).astype(np.float32)
    whole = log_mel(y, block_frames=1_000_000)
    np.testing.assert_array_equal(log_mel(y, block_frames=block), whole)


def test_every_row_is_the_same_bits_whatever_the_batch():
    """The streaming extractor's guarantee rests on this: the FFT and the mel sums give
    a frame the same bits in a batch of any size, at any position, as float32 or float64 input."""
    rng = np.random.default_rng(5)
    n = np.arange(2048)
    tones = [np.sin(2 * np.pi * f * n / 22050) for f in (93.0, 440.0, 9301.0)]
    frames = rng.standard_normal((300, 2048)) * rng.uniform(1e-4, 3.0, (300, 1))
    frames[::7] = 0.5 * tones[0] + 1e-3 * frames[::7]
    frames[1::7] = tones[1] + tones[2]
    frames[2::11] = 0.0
    frames = frames.astype(np.float32)
    single = np.concatenate([frame_features(frames[i : i + 1]) for i in range(300)])
    sizes = [*range(1, 70), 127, 128, 129, 255, 256, 257, 297]
    for k in sizes:
        for start in (0, 3):
            batch = frames[start : start + k]
            np.testing.assert_array_equal(frame_features(batch), single[start : start + k])
    np.testing.assert_array_equal(frame_features(frames.astype(np.float64)), single)
    assert frame_features(frames[:0]).shape == (0, 128)


@settings(max_examples=20, deadline=None)
@given(
    k=st.integers(1, 200),
    seed=st.integers(0, 2**16),
    params=st.sampled_from(
        [
            DEFAULT_PARAMS,
            MelParams(n_mels=40, fmin=50.0, fmax=7000.0, top_db=None),
            MelParams(n_fft=1024, hop_length=256, n_mels=96),
            MelParams(n_fft=4096, n_mels=256),
        ]
    ),
)
def test_the_sparse_product_gives_the_bits_of_the_numpy_steps(k, seed, params):
    """`mel_power` takes scipy's CSR product where numpy's elementwise steps were: both must sum
    each band in the same order with the same roundings, or cached features would change bits
    and a machine without scipy would compute other features than one with it."""
    from emotrain.plugin.features import _stepwise_mel_power, mel_power

    rng = np.random.default_rng(seed)
    n_bins = params.n_fft // 2 + 1
    # power spectra over 200 dB, exact zeros, a loud low bin next to near-floor bands
    power = rng.random((k, n_bins)) * 10.0 ** rng.uniform(-16, 4, (k, n_bins))
    power[rng.random((k, n_bins)) < 0.05] = 0.0
    power[:, 3] *= 1e8
    np.testing.assert_array_equal(mel_power(power, params), _stepwise_mel_power(power, params))
    rows = [mel_power(power[i : i + 1], params) for i in range(k)]
    np.testing.assert_array_equal(np.concatenate(rows, axis=1), mel_power(power, params))


def test_without_scipy_log_mel_gives_the_same_bits(monkeypatch):
    from emotrain.plugin import features

    y = parity_signal(22050, 1.5).astype(np.float32)
    with_scipy = log_mel(y)
    monkeypatch.setattr(features, "_sparse_filterbank", lambda params: None)
    np.testing.assert_array_equal(log_mel(y), with_scipy)
