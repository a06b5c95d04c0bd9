"""`<name>.golden/`: an input stream and the outputs a correct RTNeural build must give for it.

A plugin's CI loads the JSON (or the generated type), calls `reset()` once, streams `input.csv`
through `forward()` one row per call and compares `getOutputs()` with `output.csv` within the
tolerance in `golden.json`: the layout of RTNeural's own tests (CSV, one frame per row, no header,
commas between values).

The stream follows the plugin's use, long enough for state to carry over: a live set with a pause
and an emotion change (recurrent networks: steady emotion A, a pause, A again, a change to B); for
the recognizer real raw dB frames when the file carries validation frames, else a synthetic stream
in the raw dB range, with digital silence (the plugin's own log-mel of zero samples) as the pause.
Everything is derived from the JSON's bytes (its sha256 seeds the random parts), so the same file
always gets the same bundle, whoever writes it (export or `registry ship`).

Expected outputs are the reference interpreter's float64 run of the file's float32 weights; the
tolerance is 10x the largest difference its float32 run shows on this very stream, and never below
1e-5 (export's default tolerance): room for another float32 implementation's rounding (RTNeural's
Eigen activations are not numpy's) and nothing more.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np

from emotrain.export.writer import float32_texts
from emotrain.plugin.reference import ReferenceModel

GOLDEN_FORMAT = "emotrain-golden"
INPUT_FILE, OUTPUT_FILE, META_FILE = "input.csv", "output.csv", "golden.json"
#: Segment lengths in calls: A, pause, A again, change A -> B, B.
SEGMENTS = (("emotion A", 96), ("pause", 48), ("emotion A again", 32), ("change A -> B", 16),
            ("emotion B", 96))  # fmt: skip
EMOTION_A, EMOTION_B = (0.7, 0.6), (-0.6, -0.5)  # (valence, arousal)


def folder_name(name: str) -> str:
    return f"{name}.golden"


def _embeddings(rng: np.random.Generator) -> np.ndarray:
    """The 64-d embedding stream of the live set; the pause reads 0 (neutral), with a little
    seeded jitter on the sung parts so no two frames are equal."""
    from emotrain.plugin.embedding import emotion_embedding

    va = []
    for label, n in SEGMENTS:
        if label == "pause":
            va.append(np.zeros((n, 2)))
        elif label.startswith("change"):
            w = np.linspace(0, 1, n)[:, None]
            va.append((1 - w) * np.array(EMOTION_A) + w * np.array(EMOTION_B))
        else:
            base = EMOTION_B if label.endswith("B") else EMOTION_A
            va.append(np.array(base) + rng.normal(0, 0.03, (n, 2)))
    out = emotion_embedding(np.concatenate(va))
    out[_pause_rows()] = 0.0
    return out.astype(np.float32)


def _pause_rows() -> slice:
    start = SEGMENTS[0][1]
    return slice(start, start + SEGMENTS[1][1])


def _real_frames(doc: dict) -> np.ndarray | None:
    block = doc.get("emotrain")
    vectors = block.get("test_vectors") if isinstance(block, dict) else None
    if not isinstance(vectors, dict) or vectors.get("inputs_from") != "validation frames":
        return None
    frames = np.asarray(vectors.get("inputs"), dtype=np.float32)
    return frames if frames.ndim == 2 and frames.shape[0] > 0 else None


def _band_frames(doc: dict, rng: np.random.Generator, n_bands: int) -> tuple[np.ndarray, str]:
    """Raw dB frames for each call of the live set: real validation frames cycled (the second
    song reversed and 12 dB quieter), else a synthetic spectrum; silence in the pause."""
    from emotrain.export.cost import silence_frame
    from emotrain.plugin.wiring import EMOTION

    total = sum(n for _, n in SEGMENTS)
    silence = silence_frame(EMOTION, 128)
    real = _real_frames(doc) if n_bands == 128 else None
    if real is not None:
        idx = np.arange(total) % real.shape[0]
        frames = real[idx].astype(np.float64)
        second = slice(_pause_rows().stop + SEGMENTS[2][1], total)
        frames[second] = np.maximum(real[::-1][idx[second]] - 12.0, silence.min())
        source = f"real validation frames ({real.shape[0]}, cycled; B reversed, 12 dB quieter)"
    else:
        tilt = -0.35 * np.arange(128)
        frames = tilt[None, :] + rng.normal(0, 4, (total, 128))
        # each frame's loudest band between -5 and +15 dB, its floor 80 dB below (top_db)
        frames = frames - frames.max(axis=1, keepdims=True) + rng.uniform(-5, 15, (total, 1))
        frames = np.maximum(frames, frames.max(axis=1, keepdims=True) - 80.0)
        source = "synthetic raw dB frames (no validation frames in the file)"
    frames[_pause_rows()] = silence
    return frames.astype(np.float32)[:, :n_bands], source


def golden_inputs(doc: dict, name: str, seed: int = 0) -> tuple[np.ndarray, str]:
    """(the input stream, where it comes from) for network `name` of the parsed file `doc`."""
    from emotrain.plugin import wiring as w

    size = int(doc["in_shape"][-1])
    rng = np.random.default_rng(seed)
    if name == w.EMOTION and size == 128:
        return _band_frames(doc, rng, 128)
    if name in w.SHAPES and w.SHAPES[name][0] == size:
        emb = _embeddings(rng)
        if name == w.MELODY:
            return emb, "emotion embeddings of a live set, one per sixteenth"
        bands, source = _band_frames(doc, rng, w.HARMONY_BANDS)
        return w.helper_input(name, emb, bands), f"the plugin's wiring of embeddings and {source}"
    total = sum(n for _, n in SEGMENTS)
    x = rng.standard_normal((total, size)).astype(np.float32)
    x[_pause_rows()] = 0.0
    return x, "seeded N(0, 1) frames with a pause of zeros"


def _csv(values: np.ndarray) -> bytes:
    texts = float32_texts(values)
    cols = values.shape[1]
    rows = (",".join(texts[i : i + cols]) for i in range(0, len(texts), cols))
    return ("\n".join(rows) + "\n").encode("ascii")


def _csv64(values: np.ndarray) -> bytes:
    rows = (",".join(f"{v:.9g}" for v in row) for row in values.tolist())
    return ("\n".join(rows) + "\n").encode("ascii")


def _tolerance(err32: float) -> float:
    """10x the float32 rounding seen, rounded up to 1, 2 or 5 times a power of ten; at least 1e-5
    (export's own default tolerance: RTNeural's Eigen activations differ from numpy's by a few
    ulp, and errors on raw dB inputs reach a few 1e-6 in a correct build)."""
    want = max(1e-5, 10.0 * err32)
    power = 10.0 ** np.floor(np.log10(want))
    for step in (1.0, 2.0, 5.0, 10.0):
        if step * power >= want:
            return float(f"{step * power:.0e}")
    return float(f"{10 * power:.0e}")  # pragma: no cover - the loop always returns


def golden_bundle(data: bytes, name: str) -> dict[str, bytes]:
    """The bundle's files (relative name -> bytes) for the JSON file `data` of network `name`."""
    doc = json.loads(data)
    sha = hashlib.sha256(data).hexdigest()
    inputs, source = golden_inputs(doc, name, seed=int(sha[:16], 16))
    inputs = inputs.astype(np.float32)
    expected = ReferenceModel(doc, np.float64).run(inputs.astype(np.float64))
    got32 = ReferenceModel(doc, np.float32).run(inputs).astype(np.float64)
    err32 = float(np.max(np.abs(got32 - expected), initial=0.0))
    segments, start = [], 0
    for label, n in SEGMENTS:
        segments.append({"what": label, "rows": [start, start + n - 1]})
        start += n
    meta: dict[str, Any] = {
        "format": GOLDEN_FORMAT,
        "model": name,
        "json_sha256": sha,
        "rows": int(inputs.shape[0]),
        "input_size": int(inputs.shape[1]),
        "output_size": int(expected.shape[1]),
        "input": INPUT_FILE,
        "output": OUTPUT_FILE,
        "inputs_from": source,
        "segments": segments if inputs.shape[0] == start else None,
        "tolerance": _tolerance(err32),
        "tolerance_rule": "max abs difference per value; 10x the reference interpreter's own "
        "float32 rounding on this stream (measured "
        f"{err32:.2e}), at least 1e-5",
        "how": "call reset() once, then forward() on each row of input.csv in order; row t of "
        "output.csv is getOutputs() after that call. CSV as RTNeural's tests: one frame per row, "
        "comma-separated, no header",
    }
    return {
        INPUT_FILE: _csv(inputs),
        OUTPUT_FILE: _csv64(expected),
        META_FILE: (json.dumps(meta, indent=2) + "\n").encode("utf-8"),
    }


def read_csv(text: str | bytes) -> np.ndarray:
    """A bundle CSV back as a (rows, values) float64 array."""
    if isinstance(text, bytes):
        text = text.decode("ascii")
    return np.array([[float(v) for v in line.split(",")] for line in text.splitlines() if line])
