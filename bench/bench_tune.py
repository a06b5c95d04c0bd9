"""A 20-trial study with per-epoch pruning against the same 20 trials run to the end.

All studies use the same sampler seed, space, data and epochs; only the pruner differs (none, then
each of --pruners). Printed: the wall time of each, the ratio pruned / unpruned, the best value
each found (they should agree within noise), and the fixed cost per trial: its wall time outside
its epochs, and the export, verification and plots that every trial paid before only the best
trial's were written (docs/tune.md).
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


def fixed_cost(summary: dict) -> tuple[float, float]:
    """Per trial: wall time outside its epochs (ask, folder, checkpoints, tell) and epoch time."""
    import json

    outside, inside = [], []
    for row in summary["trials"]:
        folder = Path(summary["directory"]) / "trials" / str(row["number"])
        h = json.loads((folder / "history" / "groovepredictor_history.json").read_text())
        epochs = sum(r["epoch_time_s"] for r in h["epochs"])
        outside.append(row["duration_s"] - epochs)
        inside.append(epochs)
    return sum(outside) / len(outside), sum(inside) / len(inside)


def epochs(summary: dict) -> int:
    import json

    total = 0
    for row in summary["trials"]:
        folder = Path(summary["directory"]) / "trials" / str(row["number"])
        h = json.loads((folder / "history" / "groovepredictor_history.json").read_text())
        total += len(h["epochs"])
    return total


def export_cost(summary: dict) -> float:
    """What every trial paid before pruning paid: a verified export and the plots, measured on
    the best trial (timed on a copy, so the study is untouched)."""
    import shutil

    from emotrain.pipeline import resume
    from emotrain.training.progress import Reporter

    src = Path(summary["directory"]) / "trials" / str(summary["best"]["number"])
    copy = src.with_name("export-cost")
    shutil.copytree(src, copy)
    for p in [copy / "groovepredictor.json", copy / "plots"]:
        shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
    started = time.perf_counter()
    resume(copy, reporter=Reporter())
    return time.perf_counter() - started


def run(folder: Path, pruner: str, args: argparse.Namespace) -> tuple[float, dict]:
    options = {**NONE, "epochs": args.epochs, "samples": args.samples, "seed": args.seed,
               "device": "cpu", "seq_len": 8}  # fmt: skip
    base = resolve_train_config(options, model=[args.model], config_file=None)
    spec = build_spec(model=[args.model], base=base, trials=args.trials, output=folder / pruner,
                      pruner="none" if pruner == "warmup" else pruner)  # fmt: skip
    started, cpu = time.perf_counter(), time.process_time()
    summary = tune(spec)
    summary["cpu_s"] = (
        time.process_time() - cpu
    )  # less disturbed than wall time on a shared machine
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
        # One untimed trial first: the imports a process pays once (torch's optimizer machinery,
        # matplotlib, the exporter) would otherwise land on the first study timed.
        run(Path(tmp), "warmup", argparse.Namespace(**{**vars(args), "trials": 1}))
        for pruner in ["none", *args.pruners.split(",")]:
            results[pruner] = run(Path(tmp), pruner, args)
        report(results)


def report(results: dict) -> None:
    t_none, s_none = results["none"]
    for name, (t, s) in results.items():
        c = s["counts"]
        print(f"{name:>10}: CPU {s['cpu_s']:7.1f} s  ratio {s['cpu_s'] / s_none['cpu_s']:.2f}")
        print(f"{name:>10}: {t:7.1f} s  ratio {t / t_none:.2f}  best {s['best']['value']:.5f} "
              f"(trial {s['best']['number']}, {s['best']['value'] - s_none['best']['value']:+.5f})"
              f"  complete {c['complete']} pruned {c['pruned']} failed {c['fail']}")  # fmt: skip
        print(f"{'':>10}  epochs trained {epochs(s)} of {epochs(s_none)} unpruned "
              f"({epochs(s) / epochs(s_none):.2f}: the ratio with no fixed cost at all)")  # fmt: skip
    outside, inside = fixed_cost(s_none)
    print(f"per trial (unpruned study): {inside:.3f} s in epochs, {outside:.3f} s fixed cost now; "
          f"before, each trial also paid its export, verification and plots: "
          f"{export_cost(s_none):.3f} s")  # fmt: skip


if __name__ == "__main__":
    main()
