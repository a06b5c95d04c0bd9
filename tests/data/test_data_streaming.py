"""Frames from blocks of audio, as a plugin's callback delivers them: the very bits of `log_mel`.

Also the worked example of docs/plugin-contract.md, read from the doc and recomputed, so the
numbers a C++ implementer checks against cannot drift from the code.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emotrain.plugin.features import DEFAULT_PARAMS, log_mel
from emotrain.plugin.streaming import StreamingLogMel

SR = DEFAULT_PARAMS.sample_rate
CONTRACT = Path(__file__).resolve().parents[2] / "docs" / "plugin-contract.md"


def _song() -> np.ndarray:
    """1.2 s of a chord with noise, digital silence, a fade to silence and a restart."""
    t = np.arange(int(1.2 * SR)) / SR
    rng = np.random.default_rng(3)
    y = 0.3 * np.sin(2 * np.pi * 220 * t) + 0.1 * np.sin(2 * np.pi * 1375 * t)
    y += 0.02 * rng.standard_normal(t.size)
    y[(t > 0.2) & (t < 0.45)] = 0.0
    fade = (t >= 0.5) & (t < 0.9)
    y[fade] *= np.exp(-(t[fade] - 0.5) * 30)
    y[(t >= 0.9) & (t < 1.0)] = 0.0
    return y.astype(np.float32)


SONG = _song()
WHOLE = log_mel(SONG)


def _stream(y: np.ndarray, sizes) -> np.ndarray:
    stream = StreamingLogMel()
    out, start = [], 0
    for size in sizes:
        if start >= y.shape[0]:
            break
        out.append(stream.push(y[start : start + size]))
        start += size
    if start < y.shape[0]:
        out.append(stream.push(y[start:]))
    out.append(stream.finish())
    return np.concatenate(out)


@pytest.mark.parametrize("block", [1, 64, 512, 4096])
def test_fixed_block_sizes_give_the_whole_file_bits(block):
    frames = _stream(SONG, [block] * (SONG.shape[0] // block + 1))
    assert frames.dtype == np.float32
    np.testing.assert_array_equal(frames, WHOLE)


@settings(max_examples=30, deadline=None)
@given(sizes=st.lists(st.integers(0, 5000), min_size=1, max_size=60))
def test_random_block_sizes_give_the_whole_file_bits(sizes):
    np.testing.assert_array_equal(_stream(SONG, sizes), WHOLE)


@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 6000), block=st.integers(1, 3000), seed=st.integers(0, 2**16))
def test_any_length_streams_like_the_whole_file(n, block, seed):
    y = np.random.default_rng(seed).standard_normal(n).astype(np.float32)
    frames = _stream(y, [block] * (n // block + 1))
    np.testing.assert_array_equal(frames, log_mel(y))


def test_a_frame_comes_out_with_the_sample_n_fft_half_past_its_centre():
    stream = StreamingLogMel()
    assert stream.latency_samples == 1024
    assert stream.latency_seconds == pytest.approx(0.0464, abs=1e-4)
    ready_at = []
    for n in range(1, 6001):
        ready_at += [n] * stream.push(SONG[n - 1 : n]).shape[0]
    # frame i is centred on sample i * 512 and needs samples up to i * 512 + 1023
    assert ready_at == [i * 512 + 1024 for i in range(len(ready_at))]
    assert len(ready_at) == (6000 - 1024) // 512 + 1


def test_finish_pads_the_end_and_ends_the_stream():
    stream = StreamingLogMel()
    assert stream.finish().shape == (0, 128)  # nothing received: nothing to emit
    with pytest.raises(RuntimeError, match="finished"):
        stream.push(SONG[:10])
    stream.reset()
    stream.push(SONG[:5000])
    stream.finish()
    assert stream.frames_emitted == 1 + 5000 // 512
    with pytest.raises(ValueError, match="mono"):
        StreamingLogMel().push(np.zeros((10, 2), dtype=np.float32))


def _worked_example() -> tuple[dict[int, float], float]:
    text = CONTRACT.read_text(encoding="utf-8")
    section = text[text.index("### Worked example") :]
    section = section[: section.index("\n## ")]
    rows = re.findall(r"^\| (\d+) \|.*\| (-?[\d.]+) \|$", section, flags=re.MULTILINE)
    floor = re.search(r"\*\*−(\d+\.\d+) dB\*\*", section)
    assert rows and floor, "the worked example's table or floor is missing from the contract"
    return {int(b): float(db) for b, db in rows}, -float(floor.group(1))


def test_the_worked_example_in_the_plugin_contract_is_what_the_code_computes():
    bands, floor = _worked_example()
    n = np.arange(SR)
    y = 0.5 * np.sin(2 * np.pi * 93 * n / 2048)
    frame = log_mel(y.astype(np.float32))[20]
    assert set(bands) == {37, 38, 39}
    for band, db in bands.items():
        assert frame[band] == pytest.approx(db, abs=1e-4)
    others = np.delete(frame, sorted(bands))
    np.testing.assert_allclose(others, floor, atol=1e-4)
    assert floor == pytest.approx(frame.max() - 80.0, abs=1e-4)
