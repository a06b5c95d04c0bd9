"""Peak memory of an emotion recognizer run at corpus scale, against the bytes of its features.

Generates a folder-layout corpus of `--songs` songs of `--seconds` s (mono 22,050 Hz FLAC, every
song different, static labels so every frame is trained on), then runs `emotrain train -m emotion`
twice as a subprocess, cold (empty feature cache) and warm (the same cache), and reads each run's
peak resident memory from the kernel (`getrusage(RUSAGE_CHILDREN)` of a wrapper process that
runs only that train). "features" is what the cache holds: frames x 128 float32 per song. The
goal (#18): peak <= 1.5 x features + 0.5 GB (the features once, in the trainer's float32
tensor; the 64-d targets are half that again).

Run: python bench/bench_memory.py [--songs 300] [--seconds 45] [--epochs 1]
Compare with another checkout: PYTHONPATH=/path/to/other python bench/bench_memory.py
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

GB = 1e9  # decimal, as "0.5 GB" in the goal
SR = 22050
WRAPPER = (
    "import resource, subprocess, sys\n"
    "code = subprocess.call(sys.argv[1:])\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.exit(code)\n"
)


def make_corpus(root: Path, songs: int, seconds: float) -> Path:
    """Chords with noise, each song its own (the cache is keyed by content)."""
    import soundfile as sf

    audio = root / "audio"
    audio.mkdir(parents=True)
    t = np.arange(int(SR * seconds)) / SR
    base = sum(np.sin(2 * np.pi * 110.0 * k * t) / k for k in (1, 2, 3, 5)).astype(np.float32)
    rows = ["file,valence,arousal"]
    rng = np.random.default_rng(0)
    for i in range(songs):
        y = (0.1 + 0.2 * (i % 7) / 7) * base + 0.02 * rng.standard_normal(t.size, np.float32)
        sf.write(audio / f"{i}.flac", y, SR, subtype="PCM_16")
        rows.append(f"audio/{i}.flac,{rng.uniform(-0.9, 0.9):.3f},{rng.uniform(-0.9, 0.9):.3f}")
    (root / "labels.csv").write_text("\n".join(rows) + "\n")
    return root


def train_peak(corpus: Path, out: Path, cache: Path, epochs: int) -> tuple[int, float]:
    """(peak RSS bytes, seconds) of one `emotrain train` in its own wrapper process."""
    args = [sys.executable, "-m", "emotrain", "train", "-m", "emotion", "--data", str(corpus)]
    args += ["--data-format", "folder", "--epochs", str(epochs), "--output", str(out)]
    args += ["--cache-dir", str(cache), "--device", "cpu", "--quiet", "--seed", "1"]
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, *args], capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"emotrain train exited {done.returncode}:\n{done.stderr[-2000:]}")
    return int(done.stdout.split()[-1]) * 1024, elapsed  # ru_maxrss is in KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--songs", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=45.0)
    parser.add_argument("--epochs", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = make_corpus(Path(tmp) / "corpus", args.songs, args.seconds)
        cache = Path(tmp) / "cache"
        print(
            f"{args.songs} songs x {args.seconds:g} s (folder layout, static labels), "
            f"{args.epochs} epoch(s), {os.cpu_count()} CPUs"
        )
        cold = train_peak(corpus, Path(tmp) / "cold", cache, args.epochs)
        warm = train_peak(corpus, Path(tmp) / "warm", cache, args.epochs)
        features = sum(np.load(p, mmap_mode="r").nbytes for p in cache.rglob("*.npy"))
    goal = 1.5 * features + 0.5 * GB
    print(f"features (cache, float32): {features / GB:.3f} GB; goal: peak <= {goal / GB:.3f} GB")
    for label, (peak, seconds) in (("cold cache", cold), ("warm cache", warm)):
        print(
            f"{label:<11} peak RSS {peak / GB:6.3f} GB = {peak / features:4.2f} x features "
            f"({'meets' if peak <= goal else 'misses'} the goal; {seconds:.0f} s)"
        )


if __name__ == "__main__":
    main()
