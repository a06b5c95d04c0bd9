"""Each model's loss and validation metrics, computed on whole tensors (no per-sample Python).

Losses take the network's pre-activation output (`logits=True`) where the last activation allows a
numerically stable form: BCE-with-logits for sigmoid outputs, log-softmax for softmax outputs.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from emotrain.models.network import ACTIVATIONS
from emotrain.models.spec import ModelSpec


def loss_from_logits(spec: ModelSpec, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    if spec.loss == "bce":
        return F.binary_cross_entropy_with_logits(logits, target)
    if spec.loss == "kl":
        # KL(target || pred) per frame, averaged over frames; 0 when the prediction is exact.
        log_p = F.log_softmax(logits, dim=-1)
        t = target.clamp_min(0)
        kl = torch.where(t > 0, t * (torch.log(t.clamp_min(1e-12)) - log_p), torch.zeros_like(t))
        return kl.sum(-1).mean()
    if spec.loss == "mse":
        act = spec.layers[-1].activation if hasattr(spec.layers[-1], "activation") else ""
        pred = _apply(act, logits)
        return F.mse_loss(pred, target)
    raise ValueError(f"unknown loss {spec.loss!r}")


def _apply(activation: str, x: torch.Tensor) -> torch.Tensor:
    return ACTIVATIONS.get(activation, ACTIVATIONS[""])(x)


class MetricAccumulator:
    """Sums per-batch statistics as tensors; `.result()` syncs once per validation pass."""

    def __init__(self, spec: ModelSpec):
        self.spec = spec
        self.sums: dict[str, torch.Tensor] = {}

    def _add(self, key: str, value: torch.Tensor) -> None:
        value = value.detach().double()
        self.sums[key] = self.sums[key] + value if key in self.sums else value

    def update(self, pred: torch.Tensor, target: torch.Tensor) -> None:
        """`pred` is the network's real output (after its last activation)."""
        p = pred.reshape(-1, pred.shape[-1])
        t = target.reshape(-1, target.shape[-1])
        self._add("frames", torch.tensor(float(p.shape[0])))
        family = self.spec.figures
        if family == "emotion":
            cos = F.cosine_similarity(p, t, dim=-1, eps=1e-8)
            self._add("cosine_similarity", cos.sum())
            self._add("abs_err", (p - t).abs().mean(-1).sum())
        elif family == "notes":
            hit = p >= 0.5
            on = t >= 0.5
            self._add("tp", (hit & on).sum())
            self._add("fp", (hit & ~on).sum())
            self._add("fn", (~hit & on).sum())
        elif family == "chords":
            # frames with an all-zero target (an excluded chord) are not scored
            known = t.clamp_min(0).sum(-1) > 0
            self._add("top1", ((p.argmax(-1) == t.argmax(-1)) & known).sum())
            self._add("scored", known.sum())
        else:
            self._add("abs_err", (p - t).abs().mean(-1).sum())

    def result(self) -> dict[str, float]:
        s = {k: float(v) for k, v in self.sums.items()}
        n = max(s.get("frames", 0.0), 1.0)
        family = self.spec.figures
        if family == "emotion":
            return {"cosine_similarity": s["cosine_similarity"] / n, "mae": s["abs_err"] / n}
        if family == "notes":
            tp, fp, fn = s["tp"], s["fp"], s["fn"]
            precision = tp / (tp + fp) if tp + fp > 0 else 0.0
            recall = tp / (tp + fn) if tp + fn > 0 else 0.0
            f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
            return {"note_precision": precision, "note_recall": recall, "note_f1": f1}
        if family == "chords":
            return {"top1_accuracy": s["top1"] / max(s.get("scored", 0.0), 1.0)}
        return {"mae": s["abs_err"] / n}
