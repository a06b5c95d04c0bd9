"""Which training `--seq-len` gives the best streamed emotion recognizer? Streamed vs windowed CCC.

Usage:
    OMP_NUM_THREADS=1 python bench/bench_seq_len.py                       # 16 32 64 128
    OMP_NUM_THREADS=1 python bench/bench_seq_len.py --seq-lens 16 64 --songs 32 --epochs 12

Two corpora, built with tests/data/audible.py (labels a function of the audio):
- `static`: the audible DEAM corpus, one valence/arousal per song;
- `changing`: DEAM layout with dynamic labels (every 0.5 s) whose emotion changes halfway through
  each song: the first half is one audible song, the second half another with other labels.
For each `--seq-len`, the emotion recognizer trains on each corpus (same seed, same songs held out,
and the same frames per batch, so every length gets the same number of optimizer steps per
epoch), and `evaluate` reports valence/arousal CCC on the held-out songs streamed whole from one
reset (what the plugin does) and on the training windows (each from a zero state).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from contextlib import redirect_stderr, redirect_stdout
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "data"))

from audible import make_audible_deam, make_changing_deam  # noqa: E402

from emotrain.cli import main  # noqa: E402

FRAMES_PER_BATCH = 1024


def quiet(*args: object) -> int:
    with redirect_stdout(StringIO()), redirect_stderr(StringIO()):
        return main([str(a) for a in args])


def measure(corpus: Path, out: Path, seq_len: int, epochs: int, seed: int) -> dict:
    batch = max(1, FRAMES_PER_BATCH // seq_len)
    code = quiet(
        "train", "-m", "emotion", "--data", corpus, "--epochs", epochs, "--seq-len", seq_len,
        "--batch-size", batch, "--device", "cpu", "--quiet", "--seed", seed, "-o", out,
    )  # fmt: skip
    if code != 0:
        raise SystemExit(f"training failed (seq-len {seq_len}, {corpus})")
    if quiet("evaluate", "-c", out, "-o", out / "eval", "--device", "cpu", "--json") != 0:
        raise SystemExit(f"evaluate failed (seq-len {seq_len}, {corpus})")
    entry = json.loads((out / "eval" / "evaluation_results.json").read_text())
    return entry["models"]["emotionrecognizer"]["modes"]


def main_() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seq-lens", type=int, nargs="+", default=[16, 32, 64, 128])
    parser.add_argument("--songs", type=int, default=24)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0, help="seed of the corpora and training")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        corpora = {
            "static": make_audible_deam(
                root / "static", n=args.songs, seconds=args.seconds, seed=args.seed
            ),
            "changing": make_changing_deam(root / "changing", args.songs, args.seconds, args.seed),
        }
        print(f"{args.songs} songs x {args.seconds:g} s, {args.epochs} epochs, seed {args.seed}, "
              f"{FRAMES_PER_BATCH} frames per batch; valence/arousal CCC on held-out songs")  # fmt: skip
        print(f"{'corpus':<9} {'seq-len':>7}  {'streamed':>13}  {'live set':>13}  "
              f"{'windowed':>13}  {'time':>6}")  # fmt: skip
        for name, corpus in corpora.items():
            for seq_len in args.seq_lens:
                start = time.perf_counter()
                modes = measure(
                    corpus, root / f"run-{name}-{seq_len}", seq_len, args.epochs, args.seed
                )
                took = time.perf_counter() - start
                cells = []
                for mode in ("streamed", "live_set", "windowed"):
                    m = modes[mode]["metrics"]
                    cells.append(f"{m['valence_ccc']:+.2f}/{m['arousal_ccc']:+.2f}")
                print(f"{name:<9} {seq_len:>7}  {cells[0]:>13}  {cells[1]:>13}  {cells[2]:>13}  "
                      f"{took:5.0f}s", flush=True)  # fmt: skip


if __name__ == "__main__":
    main_()
