"""A 20-trial study with per-epoch pruning against the same 20 trials run to the end.

All studies use the same sampler seed, space, data and epochs; only the pruner differs (none, then
each of --pruners). Printed: the wall time of each, the ratio pruned / unpruned, and the best value
each found (they should agree within noise). Every trial still exports and plots, as a user's does,
so tiny epochs make that fixed cost dominate: the default size keeps an epoch the larger part.
Run: python bench/bench_tune.py [--trials 20] [--epochs 12] [--samples 256] [--pruners median,hyperband]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from emotrain.cli.train import resolve_train_config
from emotrain.tuning.tune import build_spec, tune

NONE = dict.fromkeys(
    ["learning_rate", "validation_split", "min_delta", "early_stopping_patience", "weight_decay",
     "grad_clip_norm", "lr_factor", "lr_patience", "output", "rebuild_cache", "strict", "data",
     "data_format", "cache_dir", "batch_size", "seq_len"]
)  # fmt: skip


def run(folder: Path, pruner: str, args: argparse.Namespace) -> tuple[float, dict]:
    options = {**NONE, "epochs": args.epochs, "samples": args.samples, "seed": args.seed,
               "device": "cpu", "seq_len": 8}  # fmt: skip
    base = resolve_train_config(options, model=[args.model], config_file=None)
    spec = build_spec(model=[args.model], base=base, trials=args.trials,
                      output=folder / pruner, pruner=pruner)  # fmt: skip
    started = time.perf_counter()
    summary = tune(spec)
    return time.perf_counter() - started, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="groove")
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--samples", type=int, default=256)
    parser.add_argument("--pruners", default="median")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for pruner in ["none", *args.pruners.split(",")]:
            results[pruner] = run(Path(tmp), pruner, args)
    t_none, s_none = results["none"]
    for name, (t, s) in results.items():
        c = s["counts"]
        print(f"{name:>10}: {t:7.1f} s  ratio {t / t_none:.2f}  best {s['best']['value']:.5f} "
              f"(trial {s['best']['number']}, {s['best']['value'] - s_none['best']['value']:+.5f})"
              f"  complete {c['complete']} pruned {c['pruned']} failed {c['fail']}")  # fmt: skip


if __name__ == "__main__":
    main()
