"""20-trial studies with per-epoch pruning against the same 20 trials run to the end, per seed.

For each seed of --seeds, the studies share the sampler seed, space, data and epochs; only the
pruner differs (none, then each of --pruners). Printed per seed and pruner: the wall and CPU time,
their ratio pruned / unpruned, the epochs trained, the estimated ratio (those epochs and trials at
the unpruned study's cost per epoch and per trial: the figure a busy machine cannot disturb) and
the best value found. The summary says, per pruner, the median ratios over the
seeds and whether its best values equal the unpruned ones: the mean best within the seed-to-seed
spread (max - min) of the unpruned bests. Last, the fixed cost per trial (docs/tune.md).
Run: python bench/bench_tune.py [--trials 20] [--epochs 12] [--samples 256] [--seeds 7,8,9]
     [--pruners halving,median,hyperband]
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


def run(folder: Path, pruner: str, args: argparse.Namespace, seed: int) -> tuple[float, dict]:
    options = {**NONE, "epochs": args.epochs, "samples": args.samples, "seed": seed,
               "device": "cpu", "seq_len": 8}  # fmt: skip
    base = resolve_train_config(options, model=[args.model], config_file=None)
    spec = build_spec(model=[args.model], base=base, trials=args.trials, output=folder / f"{pruner}-{seed}",
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
    parser.add_argument("--pruners", default="halving,median,hyperband")
    parser.add_argument("--seeds", default="7,8,9")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    pruners = ["none", *args.pruners.split(",")]
    results: dict[str, dict[int, tuple[float, dict]]] = {p: {} for p in pruners}
    with tempfile.TemporaryDirectory() as tmp:
        # One untimed trial first: the imports a process pays once (torch's optimizer machinery,
        # matplotlib, the exporter) would otherwise land on the first study timed.
        run(Path(tmp), "warmup", argparse.Namespace(**{**vars(args), "trials": 1}), seeds[0])
        print(f"{args.model}: {args.trials} trials x {args.epochs} epochs, {args.samples} samples")
        print(f"{'seed':>4} {'pruner':>9} {'wall s':>7} {'ratio':>5} {'CPU s':>6} {'ratio':>5} "
              f"{'epochs':>6} {'est.':>5} {'best':>8} {'pruned':>6}")  # fmt: skip
        for seed in seeds:
            for pruner in pruners:
                results[pruner][seed] = run(Path(tmp), pruner, args, seed)
                row(seed, pruner, results[pruner][seed], results["none"][seed])
        summary(results, seeds)
        outside, inside = fixed_cost(results["none"][seeds[0]][1])
        print(f"per trial (unpruned, seed {seeds[0]}): {inside:.3f} s in epochs, "
              f"{outside:.3f} s fixed cost")  # fmt: skip


def estimate(s: dict, s0: dict) -> float:
    """The wall ratio a quiet machine would show: this study's epochs and trials priced at the
    unpruned study's own cost per epoch and fixed cost per trial (load cannot move it)."""
    outside, inside = fixed_cost(s0)
    per_epoch = inside * len(s0["trials"]) / epochs(s0)
    cost = epochs(s) * per_epoch + len(s["trials"]) * outside
    return cost / (epochs(s0) * per_epoch + len(s0["trials"]) * outside)


def row(seed: int, pruner: str, result: tuple[float, dict], base: tuple[float, dict]) -> None:
    (t, s), (t0, s0) = result, base
    print(f"{seed:>4} {pruner:>9} {t:7.1f} {t / t0:5.2f} {s['cpu_s']:6.1f} "
          f"{s['cpu_s'] / s0['cpu_s']:5.2f} {epochs(s):6d} {estimate(s, s0):5.2f} "
          f"{s['best']['value']:8.5f} {s['counts']['pruned']:6d}", flush=True)  # fmt: skip


def summary(results: dict, seeds: list[int]) -> None:
    import statistics

    none = results["none"]
    bests0 = [none[seed][1]["best"]["value"] for seed in seeds]
    spread = max(bests0) - min(bests0)
    print(f"unpruned best {statistics.mean(bests0):.5f} (mean), spread {spread:.5f} over seeds")
    print("median ratios over the seeds; best: the mean over the seeds")
    for pruner, runs in results.items():
        if pruner == "none":
            continue
        wall = statistics.median(runs[s][0] / none[s][0] for s in seeds)
        cpu = statistics.median(runs[s][1]["cpu_s"] / none[s][1]["cpu_s"] for s in seeds)
        est = statistics.median(estimate(runs[s][1], none[s][1]) for s in seeds)
        mean = statistics.mean(runs[s][1]["best"]["value"] for s in seeds)
        gap = mean - statistics.mean(bests0)
        verdict = "equal" if abs(gap) <= spread else "NOT equal"
        print(
            f"{pruner:>9}: ratio wall {wall:.2f} CPU {cpu:.2f} est. {est:.2f}; "
            f"best {mean:.5f} ({gap:+.5f}, {verdict})"
        )


if __name__ == "__main__":
    main()
