"""Decoding every supported format to mono 22,050 Hz, and the feature cache around it."""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest
import soundfile as sf
from corpora import song_audio, write_audio

from emotrain.data import cache as cache_mod
from emotrain.data.audio import AudioReadError, load_audio
from emotrain.data.cache import FeatureCache, extract_all, resolve_cache_dir, user_cache_dir
from emotrain.plugin.features import log_mel


@pytest.mark.parametrize(
    ("suffix", "sr", "channels"),
    [(".wav", 44100, 2), (".flac", 48000, 1), (".ogg", 22050, 2), (".mp3", 44100, 1)],
)
def test_every_format_decodes_to_mono_22050(tmp_path, suffix, sr, channels):
    path = write_audio(tmp_path / f"x{suffix}", 3, 1.0, sr=sr, channels=channels)
    y = load_audio(path)
    assert y.dtype == np.float32 and y.ndim == 1
    assert y.shape[0] == math.ceil(sf.info(path).frames * 22050 / sr)
    assert 0.05 < np.abs(y).max() < 1.0


def test_stereo_is_averaged_before_resampling(tmp_path):
    left = song_audio(1, 0.5)
    stereo = np.stack([left, np.zeros_like(left)], axis=1)
    sf.write(tmp_path / "s.wav", stereo, 22050, subtype="FLOAT")
    np.testing.assert_allclose(load_audio(tmp_path / "s.wav"), 0.5 * left, atol=1e-7)


def test_garbage_and_empty_files_are_read_errors(tmp_path):
    (tmp_path / "bad.mp3").write_bytes(b"not audio at all" * 100)
    with pytest.raises(AudioReadError, match="cannot decode audio"):
        load_audio(tmp_path / "bad.mp3")
    sf.write(tmp_path / "empty.wav", np.zeros(0, dtype=np.float32), 22050)
    with pytest.raises(AudioReadError):
        load_audio(tmp_path / "empty.wav")


def _files(tmp_path, n=4):
    return [write_audio(tmp_path / "audio" / f"{i}.flac", i, 0.5 + 0.1 * i) for i in range(n)]


def test_second_pass_reads_the_cache_without_decoding(tmp_path, monkeypatch):
    files = _files(tmp_path)
    cache = FeatureCache(tmp_path / "cache")
    first = extract_all(files, cache, workers=2)
    assert [r.cached for r in first] == [False] * 4
    assert all(r.features.shape[1] == 128 for r in first)

    def no_decoding(*args, **kwargs):
        raise AssertionError("decoded although cached")

    monkeypatch.setattr(cache_mod, "load_audio", no_decoding)
    second = extract_all(files, cache, workers=2)
    assert [r.cached for r in second] == [True] * 4
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a.features, b.features)


def test_cache_key_is_content_not_name(tmp_path):
    files = _files(tmp_path, 1)
    cache = FeatureCache(tmp_path / "cache")
    extract_all(files, cache)
    moved = files[0].rename(tmp_path / "renamed.flac")
    assert extract_all([moved], cache)[0].cached
    write_audio(moved, 9, 0.5)  # new content under the same name
    assert not extract_all([moved], cache)[0].cached


def test_rebuild_and_damaged_entries_recompute(tmp_path):
    files = _files(tmp_path, 2)
    cache = FeatureCache(tmp_path / "cache")
    reference = extract_all(files, cache)
    rebuilt = extract_all(files, FeatureCache(tmp_path / "cache", rebuild=True))
    assert not any(r.cached for r in rebuilt)
    entries = sorted((tmp_path / "cache").rglob("*.npy"))
    assert len(entries) == 2
    entries[0].write_bytes(b"\x93NUMPY truncated")
    again = extract_all(files, cache)
    assert sum(r.cached for r in again) == 1
    for a, b in zip(reference, again, strict=True):
        np.testing.assert_array_equal(a.features, b.features)
    assert not list((tmp_path / "cache").rglob("*.tmp"))  # atomic writes leave nothing behind


def test_parallel_results_keep_input_order_and_report_failures(tmp_path):
    files = _files(tmp_path, 6)
    bad = tmp_path / "audio" / "broken.wav"
    bad.write_bytes(b"RIFF....WAVEjunk")
    paths = [*files[:3], bad, tmp_path / "missing.wav", *files[3:]]
    seen: list[tuple[int, int]] = []
    lock = threading.Lock()

    def progress(label, done, total):
        with lock:
            seen.append((done, total))

    results = extract_all(paths, FeatureCache(tmp_path / "cache"), workers=3, progress=progress)
    assert [r.path for r in results] == paths
    assert results[3].features is None and "cannot decode" in results[3].error
    assert results[4].features is None and "cannot read" in results[4].error
    for path, result in zip(paths, results, strict=True):
        if result.features is not None:
            np.testing.assert_array_equal(result.features, log_mel(load_audio(path)))
    assert seen[0] == (0, 8) and seen[-1] == (8, 8)


def test_cache_location_defaults(tmp_path, monkeypatch):
    assert resolve_cache_dir(tmp_path / "c", tmp_path / "run") == tmp_path / "c"
    assert resolve_cache_dir(None, tmp_path / "run") == tmp_path / "run" / "cache" / "features"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if user_cache_dir().is_relative_to(tmp_path):  # Linux and other XDG platforms
        assert resolve_cache_dir(None, None) == tmp_path / "xdg" / "emotrain" / "features"


@pytest.mark.parametrize(
    ("module", "attribute"), [("soundfile", "__libsndfile_version__"), ("soxr", "__version__")]
)
def test_an_upgraded_decoder_or_resampler_misses_the_cache(
    tmp_path, monkeypatch, module, attribute
):
    """Another libsndfile may decode an MP3 a few samples differently, another soxr resample
    differently: features made with the old ones must not be served to the new ones."""
    import importlib

    files = _files(tmp_path, 1)
    old = FeatureCache(tmp_path / "cache")
    assert not extract_all(files, old)[0].cached
    assert extract_all(files, FeatureCache(tmp_path / "cache"))[0].cached
    monkeypatch.setattr(importlib.import_module(module), attribute, "999.0.0-upgraded")
    upgraded = FeatureCache(tmp_path / "cache")
    assert upgraded.key != old.key
    assert not extract_all(files, upgraded)[0].cached  # the old entry is ignored, not an error
    assert len(list((tmp_path / "cache").rglob("*.npy"))) == 2


def test_an_appledouble_file_does_not_break_its_mp3(tmp_path):
    """macOS leaves `._<name>` beside every file copied to a non-Mac disk; DEAM and PMEmo are MP3."""
    mp3 = write_audio(tmp_path / "2.mp3", 0, 0.5)
    (tmp_path / "._2.mp3").write_bytes(
        b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        " + b"\x00" * 64
    )
    assert load_audio(mp3).shape[0] > 0


def test_plain_files_are_read_by_path_and_appledouble_neighbours_by_handle(tmp_path, monkeypatch):
    """By path libsndfile decodes MP3 faster (no Python callbacks); by handle it ignores a `._x`
    beside x, which by path it takes for x's resource fork (#18)."""
    import os

    import soundfile

    opened: list[bool] = []
    real_read = soundfile.read

    def spy(file, *args, **kwargs):
        opened.append(isinstance(file, (str, os.PathLike)))
        return real_read(file, *args, **kwargs)

    monkeypatch.setattr(soundfile, "read", spy)
    plain = write_audio(tmp_path / "plain" / "2.mp3", 0, 0.5)
    beside = write_audio(tmp_path / "mac" / "2.mp3", 0, 0.5)
    (tmp_path / "mac" / "._2.mp3").write_bytes(
        b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X" + bytes(72)
    )
    np.testing.assert_array_equal(load_audio(plain), load_audio(beside))
    assert opened == [True, False]


@pytest.mark.parametrize("channels", [1, 2, 3, 6])
def test_channel_mix_has_the_bits_of_librosas_to_mono(channels):
    """Summed channel by channel (fast) yet equal to np.mean over the channel axis, as librosa."""
    from emotrain.data.audio import _mix_to_mono

    data = np.random.default_rng(channels).standard_normal((10_001, channels)).astype(np.float32)
    mono = _mix_to_mono(data)
    assert mono.dtype == np.float32 and mono.flags.c_contiguous
    np.testing.assert_array_equal(mono, np.mean(np.ascontiguousarray(data.T), axis=0))
