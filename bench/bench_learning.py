"""Does the emotion recognizer learn from real audio? emotrain's run beside a bare PyTorch loop.

Builds a DEAM-layout corpus whose labels are audible (valence as key and mode, arousal as pulse
rate; tests/data/audible.py), trains the emotion recognizer with `emotrain train`, judges it with
`emotrain evaluate --json` on its held-out songs, and trains the same network on the same split in a
bare loop whose inputs are standardized per mel band first (the recipe that is known to work). The
two should agree; a model that learned nothing shows valence/arousal CCC near 0.

Run: python bench/bench_learning.py [--songs 36] [--seconds 8] [--epochs 25] [--shuffle]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "data"))

from audible import make_audible_deam

from emotrain.cli import main as cli
from emotrain.config import DataConfig, model_seed
from emotrain.data.sources import load_data
from emotrain.data.split import split_by_group
from emotrain.evaluation.metrics import emotion_metrics
from emotrain.models.catalog import get_spec


def emotrain_figures(corpus: Path, out: Path, epochs: int, seed: int) -> dict[str, float]:
    run = out / "run"
    args = ["train", "-m", "emotion", "--data", corpus, "--epochs", epochs, "--seed", seed]
    args += ["--output", run, "--device", "cpu", "--quiet"]
    with contextlib.redirect_stdout(io.StringIO()):
        code = cli([str(a) for a in args])
    if code != 0:
        raise SystemExit(f"emotrain train exited {code}")
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = cli(
            ["evaluate", "-c", str(run), "-o", str(out / "eval"), "--json", "--device", "cpu"]
        )
    report = json.loads(buffer.getvalue())
    metrics = report["models"]["emotionrecognizer"]["metrics"]
    return {k: metrics[k] for k in ("valence_ccc", "arousal_ccc", "cosine_similarity")}


def bare_figures(corpus: Path, out: Path, epochs: int, seed: int, lr: float) -> dict[str, float]:
    """The same network, data and split, inputs standardized with training-split statistics."""
    spec = get_spec("emotion")
    s = model_seed(seed, spec.name)
    data = load_data(spec, DataConfig(format="deam", path=str(corpus)), s, output_dir=out / "run")
    split = split_by_group(data.groups, 0.2, s)
    train, val = torch.tensor(split.train_index), torch.tensor(split.val_index)
    x, y, xv, yv = data.inputs[train], data.targets[train], data.inputs[val], data.targets[val]
    mean, std = x.mean((0, 1)), x.std((0, 1)).clamp_min(1e-3)
    x, xv = (x - mean) / std, (xv - mean) / std
    torch.manual_seed(s)
    model = spec.build()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(s)
    for _ in range(epochs):
        model.train()
        for idx in torch.randperm(x.shape[0], generator=gen).split(64):
            opt.zero_grad()
            loss = torch.nn.functional.mse_loss(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        pred = model(xv).double()
    m = emotion_metrics(pred, yv.double())
    return {k: m[k] for k in ("valence_ccc", "arousal_ccc", "cosine_similarity")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--songs", type=int, default=36)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--bare-lr", type=float, default=1e-3)
    parser.add_argument("--shuffle", action="store_true", help="shuffle labels between songs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = make_audible_deam(
            Path(tmp) / "deam", n=args.songs, seconds=args.seconds, shuffle=args.shuffle
        )
        print(
            f"audible DEAM corpus: {args.songs} songs x {args.seconds:g} s"
            f"{', labels shuffled' if args.shuffle else ''}; {args.epochs} epochs, seed {args.seed}"
        )
        t0 = time.perf_counter()
        ours = emotrain_figures(corpus, Path(tmp), args.epochs, args.seed)
        t1 = time.perf_counter()
        bare = bare_figures(corpus, Path(tmp), args.epochs, args.seed, args.bare_lr)
        t2 = time.perf_counter()
    print(f"{'':<34}{'valence CCC':>12}{'arousal CCC':>12}{'cosine':>9}{'s':>7}")
    for label, f, dt in (
        ("emotrain train + evaluate", ours, t1 - t0),
        (f"bare loop, standardized (lr {args.bare_lr:g})", bare, t2 - t1),
    ):
        print(
            f"{label:<34}{f['valence_ccc']:>12.3f}{f['arousal_ccc']:>12.3f}"
            f"{f['cosine_similarity']:>9.3f}{dt:>7.1f}"
        )


if __name__ == "__main__":
    main()
