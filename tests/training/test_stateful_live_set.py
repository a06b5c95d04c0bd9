"""Known answer: an EMOPIA-layout corpus whose quadrants each have their own register and scale.
A melody trained statefully keeps, inside a live set of held-out clips of different quadrants,
at least 0.8 of each clip's from-reset best-note probability, and plays in the clip's register."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "preview"))

from melodies import in_quadrant, make_register_emopia

from emotrain.evaluation.live_ratio import (
    interleave_by_quadrant,
    live_set_ratios,
    validation_clips,
)
from emotrain.plugin.embedding import quadrants, valence_arousal
from emotrain.training.checkpoint import load_checkpoint_model


def _train_and_play(corpus: Path, out: Path, mode: str, cli) -> tuple[dict, dict, list]:
    args = ["--epochs", "6", "--batch-size", "16", "--device", "cpu", "--seed", "0", "--quiet"]
    code = cli("train", "-m", "melody", "--data", corpus, "--stream-training", mode,
               *args, "-o", out).code  # fmt: skip
    assert code == 0
    _, _, model = load_checkpoint_model(out / "checkpoints/melodytransformer_best.pt")
    clips = validation_clips(out)
    order = interleave_by_quadrant(clips)
    return clips, live_set_ratios(model, clips, order), order


def test_stateful_melody_keeps_its_confidence_and_register_in_a_live_set(tmp_path, cli):
    corpus = make_register_emopia(tmp_path / "emopia", songs_per_quadrant=5, clips=2)
    clips, got, order = _train_and_play(corpus, tmp_path / "stateful", "stateful", cli)
    q = {c: int(quadrants(*valence_arousal(clips[c][:1].numpy()))[0]) for c in order}
    assert len(set(q.values())) == 4  # the set changes emotion at every join
    ratios = np.array([got["ratio"][c] for c in order])
    assert ratios.min() >= 0.85, got["ratio"]  # measured 0.92; the bar is 0.8
    for c in order:
        best = torch.argmax(got["live_outputs"][c], -1).tolist()
        assert np.mean([in_quadrant(p, q[c]) for p in best]) >= 0.9, c
    # The same training from zero states only: measured 0.53 on one clip of this set.
    _, windows, _ = _train_and_play(corpus, tmp_path / "windows", "windows", cli)
    assert min(windows["ratio"].values()) < ratios.min()


def test_stateful_melody_on_shuffled_labels_is_not_better(tmp_path, cli):
    """Known answer and its shuffled twin (tests/data/corpora.py): only the real one is better."""
    import json

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
    from corpora import make_random_note_emopia

    verdicts = {}
    for name, shuffle in (("real", False), ("shuffled", True)):
        corpus = make_random_note_emopia(tmp_path / name, songs_per_quadrant=6, shuffle=shuffle)
        out = tmp_path / f"{name}_run"
        code = cli("train", "-m", "melody", "--data", corpus, "--stream-training", "stateful",
                   "--melody-inputs", "recognizer-like", "--epochs", "6", "--batch-size", "16",
                   "--device", "cpu", "--quiet", "-o", out).code  # fmt: skip
        assert code == 0
        cli("evaluate", "--checkpoint-dir", out, "-o", out / "eval", "--json", "--device", "cpu")
        report = json.loads((out / "eval" / "evaluation_results.json").read_text())
        verdicts[name] = report["models"]["melodytransformer"]["headline"]["verdict"]
    print("verdicts", verdicts)
    assert verdicts["real"] == "better", verdicts
    assert verdicts["shuffled"] != "better", verdicts
