"""Benchmark the reference RTNeural interpreter: ten minutes of frames of the emotion recognizer.

Usage:
    OMP_NUM_THREADS=1 python bench/bench_reference.py              # 10 minutes of frames
    OMP_NUM_THREADS=1 python bench/bench_reference.py --minutes 2

A seeded emotion recognizer (with an input standardization, as training leaves it) is saved as a
checkpoint and exported to RTNeural JSON. The JSON then runs through `ReferenceModel.run()` (dense
layers batched over time, only the LSTM step in a loop) over `--minutes` of log-mel-like frames at
22050/512 frames per second, streamed in one call and again in 512-frame blocks with the state
carried over (reset=False), as a plugin's audio callback would. It prints the speed as a multiple
of real time (minutes of audio per minute of wall time), the speed-up over one `forward()` per frame
(timed on the first 2,000 frames), and the largest absolute difference from `load_model` on the
same frames. All figures come from one run, so they compare like with like on a busy machine.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from emotrain import load_model
from emotrain.export.rtneural import export_checkpoint
from emotrain.models.catalog import get_spec
from emotrain.plugin.reference import ReferenceModel
from emotrain.training.checkpoint import architecture_dicts, save_checkpoint

FRAME_RATE = 22050 / 512


def make_checkpoint(folder: Path) -> Path:
    spec = get_spec("emotionrecognizer")
    torch.manual_seed(0)
    model = spec.build()
    model.normalization.set(torch.full((128,), -40.0), torch.full((128,), 14.0))
    payload = {
        "epoch": 1,
        "model_state_dict": model.state_dict(),
        "optimizer_state_dict": {},
        "metrics": {},
        "model_name": spec.name,
        "format": "emotrain-checkpoint",
        "format_version": 1,
        "architecture": architecture_dicts(spec.layers),
        "input_normalization": model.normalization.to_checkpoint(),
    }
    return save_checkpoint(folder / "emotionrecognizer_best.pt", payload)


def frames(n: int) -> np.ndarray:
    """Log-mel-like dB frames: slow random trajectories around -40 dB with a spread of ~14 dB."""
    rng = np.random.default_rng(0)
    x = np.cumsum(rng.standard_normal((n, 128)), axis=0) * 0.3
    x += rng.standard_normal((n, 128)) * 6.0 - 40.0
    return x.astype(np.float32)


def timed(fn) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="minutes of audio frames")
    parser.add_argument("--block", type=int, default=512, help="frames per streamed block")
    args = parser.parse_args()
    n = round(args.minutes * 60 * FRAME_RATE)
    x = frames(n)
    with tempfile.TemporaryDirectory() as tmp:
        ckpt = make_checkpoint(Path(tmp))
        export_checkpoint(ckpt, Path(tmp) / "export")
        ref = ReferenceModel(Path(tmp) / "export" / "emotionrecognizer.json", np.float32)
        torch_model = load_model(ckpt)
    seconds = n / FRAME_RATE
    whole_s, whole = timed(lambda: ref.run(x))

    def blocks() -> np.ndarray:
        ref.reset()
        return np.concatenate(
            [ref.run(x[i : i + args.block], reset=False) for i in range(0, n, args.block)]
        )

    block_s, streamed = timed(blocks)
    few = min(n, 2000)
    ref.reset()
    step_s, _ = timed(lambda: [ref.forward(f) for f in x[:few]])
    per_frame_s = step_s / few * n
    with torch.no_grad():
        want = torch_model(torch.from_numpy(x).unsqueeze(0))[0].double().numpy()
    print(f"emotion recognizer JSON over {args.minutes:g} min of frames ({n:,} frames at "
          f"{FRAME_RATE:.2f}/s), torch threads {torch.get_num_threads()}")  # fmt: skip
    print(f"  run() in one call:        {whole_s:7.2f} s  = {seconds / whole_s:7.0f}x real time")
    print(f"  run() in {args.block}-frame blocks: {block_s:7.2f} s  = "
          f"{seconds / block_s:7.0f}x real time")  # fmt: skip
    print(f"  forward() per frame:      {per_frame_s:7.2f} s  = {seconds / per_frame_s:7.0f}x "
          f"real time (from {few:,} frames); run() is {per_frame_s / whole_s:.1f}x faster")  # fmt: skip
    print(f"  max |run() - load_model|  = {np.abs(whole - want).max():.2e}")
    print(f"  max |blocks - one call|   = {np.abs(streamed - whole).max():.2e}")


if __name__ == "__main__":
    main()
