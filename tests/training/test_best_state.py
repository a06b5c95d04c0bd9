"""Early stopping keeps no copy of the weights: best.pt is the best state, and the end of a run
(or a divergence) reads the best weights back from it."""

from __future__ import annotations

import torch

from emotrain.training import model_trainer as mt
from emotrain.training.checkpoint import load_checkpoint
from tests.conftest import TINY


def test_checkpoints_hold_no_second_copy_and_the_end_reads_best_pt(cli, tmp_path, monkeypatch):
    seen: list[dict[str, torch.Tensor]] = []
    restore = mt.ModelTrainer.restore_best

    def spy(self):
        assert restore(self)
        seen.append({k: v.detach().clone() for k, v in self.model.state_dict().items()})
        return True

    monkeypatch.setattr(mt.ModelTrainer, "restore_best", spy)
    out = tmp_path / "run"
    # A learning rate that overshoots, so the last epoch is not always the best one.
    args = ("--model", "groove", "--epochs", "4", "--lr", "0.5", "--output", out, *TINY)
    assert cli("train", *args).code == 0
    best = load_checkpoint(out / "checkpoints/groovepredictor_best.pt")
    latest = load_checkpoint(out / "checkpoints/groovepredictor_latest.pt")
    for ckpt in (best, latest):
        assert "early_stopping" in ckpt  # the same keys as before ...
        assert ckpt["early_stopping"]["best_state"] is None  # ... without the weights twice
    assert len(seen) == 1
    weights = best["model_state_dict"]
    assert seen[0].keys() == weights.keys()
    assert all(torch.equal(seen[0][k], weights[k]) for k in weights)
