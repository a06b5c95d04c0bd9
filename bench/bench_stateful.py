"""Windows from a zero state against stateful training (--stream-training), for both recurrent
networks, on known-answer corpora whose emotion changes, measured in one run.

Usage:
    OMP_NUM_THREADS=1 python bench/bench_stateful.py
    OMP_NUM_THREADS=1 python bench/bench_stateful.py --songs 24 --epochs 8

- emotion recognizer: DEAM layout whose emotion changes at each song's midpoint
  (tests/data/audible.py); `evaluate` gives the valence/arousal CCC of the held-out songs streamed
  whole and as a live set, and the median seconds to half-way after a label change (live set);
- melody: EMOPIA layout whose quadrants each have their own register and scale
  (tests/preview/melodies.py); the held-out clips are run from a reset each and as a live set
  (quadrants interleaved, no reset), and each clip's mean best-note probability inside the set is
  divided by the same clip's from a reset (min and median over clips); note F1 from `evaluate`;
  `+chain-in` is stateful with `--melody-inputs recognizer-like`.
The time column is the training time; the ratio is windows / stateful (> 1: stateful is faster).
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

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "data"))
sys.path.insert(0, str(ROOT / "tests" / "preview"))

from audible import make_changing_deam  # noqa: E402
from melodies import make_register_emopia  # noqa: E402

from emotrain.cli import main  # noqa: E402

MODES = ("windows", "stateful")
#: The default, `auto`, resolves per network (training/stream_schedule.py); its row checks it measures
#: as the mode it resolves to.
ROWS = (*MODES, "auto")


def quiet(*args: object) -> int:
    with redirect_stdout(StringIO()), redirect_stderr(StringIO()):
        return main([str(a) for a in args])


def train(
    model: str, corpus: Path, out: Path, mode: str, args: argparse.Namespace, *extra: str
) -> float:
    start = time.perf_counter()
    code = quiet(
        "train", "-m", model, "--data", corpus, "--epochs", args.epochs, "--batch-size", 16,
        "--device", "cpu", "--quiet", "--seed", args.seed, "--stream-training", mode, "-o", out, *extra,
    )  # fmt: skip
    if code != 0:
        raise SystemExit(f"training {model} ({mode}) failed")
    return time.perf_counter() - start


def evaluate(out: Path, name: str) -> dict:
    if (
        quiet("evaluate", "--checkpoint-dir", out, "-o", out / "eval", "--device", "cpu", "--json")
        != 0
    ):
        raise SystemExit(f"evaluate of {out} failed")
    return json.loads((out / "eval" / "evaluation_results.json").read_text())["models"][name]


def melody_live_ratio(out: Path) -> tuple[float, float, float]:
    """(min, median ratio live/reset of clips' mean best-note probability, mean from reset)."""
    from emotrain.evaluation.live_ratio import (
        interleave_by_quadrant,
        live_set_ratios,
        validation_clips,
    )
    from emotrain.training.checkpoint import load_checkpoint_model

    _, _, model = load_checkpoint_model(out / "checkpoints/melodytransformer_best.pt")
    clips = validation_clips(out)
    got = live_set_ratios(model, clips, interleave_by_quadrant(clips))
    ratios = np.array(list(got["ratio"].values()))
    return (
        float(ratios.min()),
        float(np.median(ratios)),
        float(np.mean(list(got["reset"].values()))),
    )


def main_() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--songs", type=int, default=16, help="emotion corpus songs")
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--melody-songs", type=int, default=4, help="per quadrant")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        deam = make_changing_deam(root / "deam", args.songs, args.seconds, args.seed)
        emopia = make_register_emopia(root / "emopia", args.melody_songs, clips=2)
        print(f"{args.epochs} epochs, seed {args.seed}; emotion: {args.songs} songs x "
              f"{args.seconds:g} s changing at midpoint; melody: {4 * args.melody_songs * 2} clips")  # fmt: skip
        print(f"{'network':<8} {'mode':<9} {'streamed':>11} {'live set':>11} {'half-way':>8} "
              f"{'live/reset':>11} {'train s':>8}")  # fmt: skip
        times: dict[str, dict[str, float]] = {"emotion": {}, "melody": {}}
        warm = argparse.Namespace(**{**vars(args), "epochs": 1})
        train("emotion", deam, root / "warm-up", "windows", warm)  # imports, feature cache
        for mode in ROWS:
            out = root / f"emotion-{mode}"
            times["emotion"][mode] = train("emotion", deam, out, mode, args)
            modes = evaluate(out, "emotionrecognizer")["modes"]
            cells = [
                f"{modes[m]['metrics']['valence_ccc']:+.2f}/{modes[m]['metrics']['arousal_ccc']:+.2f}"
                for m in ("streamed", "live_set")
            ]
            r = modes["live_set"]["response"]
            half = [r[f"{d}_median_s"] for d in ("valence", "arousal")]
            shown = "/".join("-" if h is None else f"{h:.1f}" for h in half)
            print(f"{'emotion':<8} {mode:<9} {cells[0]:>11} {cells[1]:>11} {shown:>8} "
                  f"{'':>11} {times['emotion'][mode]:>8.1f}", flush=True)  # fmt: skip
        rows = [(m, m, ()) for m in ROWS]
        rows.append(("stateful", "+chain-in", ("--melody-inputs", "recognizer-like")))
        for mode, label, extra in rows:
            out = root / f"melody-{label}"
            took = train("melody", emopia, out, mode, args, *extra)
            times["melody"].setdefault(mode, took)
            f1 = evaluate(out, "melodytransformer")["metrics"]["note_f1"]
            low, mid, base = melody_live_ratio(out)
            print(f"{'melody':<8} {label:<9} {f'F1 {f1:.2f}':>11} {f'p {base:.2f}':>11} {'':>8} "
                  f"{f'{low:.2f}/{mid:.2f}':>11} {took:>8.1f}", flush=True)  # fmt: skip
        for net, t in times.items():
            print(f"{net}: training time windows/stateful = {t['windows'] / t['stateful']:.2f}")


if __name__ == "__main__":
    main_()
