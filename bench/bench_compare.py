"""Benchmark `compare`'s statistics: figures finished from per-item sums vs recomputed.

Usage:
    OMP_NUM_THREADS=1 python bench/bench_compare.py                 # 2,000 resamples
    OMP_NUM_THREADS=1 python bench/bench_compare.py --frames 3000

`compare` bootstraps every figure over songs, 2,000 resamples at least. It finishes each resample
from per-item sums (evaluation/moments.py: a resample adds rows). The way it used to work, kept
here as the baseline, recomputes each figure on the resampled frames, which for the melody means
a top-k over 128 notes of every frame, 4,000 times. Both run on the same seeded melody frames
streamed whole (items are frames, 16 songs), then the emotion recognizer's windows; the script
prints each time, their ratio and the largest difference between the two ways' intervals (the
same resamples, so it should be rounding only). All figures come from one run.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from emotrain.evaluation import comparison_stats as cs
from emotrain.evaluation import metrics as M
from emotrain.plugin.embedding import emotion_embedding


def _f1(fn):
    return lambda p, t: fn(p, t)[2]


def _va(i: int, fn):
    return lambda p, t: fn(M.valence_arousal(p)[i], M.valence_arousal(t)[i])


#: What compare used to call on every resample: each figure from metrics.py on its frames.
RECOMPUTED = {
    "melodytransformer": {
        "bce": M.bce,
        "note_f1": _f1(M.threshold_prf),
        "topk_f1": _f1(M.topk_prf),
    },
    "emotionrecognizer": {
        "mse": M.mse,
        "cosine_similarity": M.cosine_similarity,
        "valence_ccc": _va(0, M.ccc),
        "arousal_ccc": _va(1, M.ccc),
        "quadrant_accuracy": M.quadrant_accuracy,
    },
}


def recomputed(model: str, pred: torch.Tensor, targets: torch.Tensor):
    """The baseline: every figure computed again on each resample's frames."""
    figures = RECOMPUTED[model]

    def of(idx: np.ndarray) -> dict:
        index = torch.from_numpy(idx)
        return {name: fn(pred[index], targets[index]) for name, fn in figures.items()}

    return of


def timed(model: str, a, b, t, groups, resamples: int, baseline: bool) -> tuple[float, dict]:
    original = cs._figures_of
    if baseline:
        cs._figures_of = recomputed
    try:
        start = time.perf_counter()
        result = cs.compare_predictions(model, a, b, t, groups, n_resamples=resamples, seed=0)
        return time.perf_counter() - start, result
    finally:
        cs._figures_of = original


def cases(frames: int) -> list[tuple[str, tuple, list[str]]]:
    g = torch.Generator().manual_seed(0)
    t = (torch.rand(frames, 1, 128, generator=g) < 0.03).double()
    a = torch.rand(frames, 1, 128, generator=g, dtype=torch.float64) * 0.1
    melody = (a, (a + 0.3 * t).clamp(0, 1), t)
    songs = [f"song-{i * 16 // frames}" for i in range(frames)]
    va = torch.rand(48, 16, 2, generator=g, dtype=torch.float64) * 2 - 1
    e = torch.from_numpy(emotion_embedding(va.numpy())).double()
    noisy = lambda s: e + s * torch.randn(e.shape, generator=g, dtype=torch.float64)  # noqa: E731
    windows = [f"song-{i // 3}" for i in range(48)]
    return [
        ("melodytransformer", melody, songs),
        ("emotionrecognizer", (noisy(0.3), noisy(0.2), e), windows),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=768, help="melody frames streamed whole")
    parser.add_argument("--resamples", type=int, default=cs.MIN_RESAMPLES)
    args = parser.parse_args()
    print(f"{'network':<20}{'sums s':>9}{'recomputed s':>14}{'ratio':>8}{'max diff':>11}")
    for model, (a, b, t), groups in cases(args.frames):
        fast, r_fast = timed(model, a, b, t, groups, args.resamples, baseline=False)
        slow, r_slow = timed(model, a, b, t, groups, args.resamples, baseline=True)
        keys = ("a", "b", "diff", "ci_low", "ci_high")
        diff = max(
            abs(x[k] - y[k])
            for x, y in zip(r_fast["figures"], r_slow["figures"], strict=True)
            for k in keys
        )
        print(f"{model:<20}{fast:>9.2f}{slow:>14.2f}{slow / fast:>7.1f}x{diff:>11.1e}")


if __name__ == "__main__":
    main()
