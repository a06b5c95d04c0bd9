"""Evaluation metrics as pure functions over frames: `(frames, features)` tensors in, floats out.

Each function is small enough to check by hand on a tiny tensor (tests/evaluation does exactly
that). Everything is computed in float64 so that a report does not depend on the batch size.
A metric that is undefined for its input (a Pearson correlation of a constant prediction, say) is
`None`, which the JSON report writes as `null`: an honest "not defined" rather than a made-up 0.
"""

from __future__ import annotations

import math

import torch

from emotrain.models.catalog import get_spec
from emotrain.models.directions import LOWER_IS_BETTER
from emotrain.plugin.embedding import EMBEDDING_DIM, HALF

#: Std below this (relative to the mean's magnitude) counts as constant: correlation undefined.
CONSTANT_STD = 1e-9


def _f64(x: torch.Tensor) -> torch.Tensor:
    return x.detach().to("cpu", torch.float64)


def _frames(x: torch.Tensor) -> torch.Tensor:
    """(N, T, F) or (frames, F) -> (frames, F) float64."""
    x = _f64(x)
    return x.reshape(-1, x.shape[-1])


def is_better(metric: str, value: float | None, other: float | None) -> bool | None:
    """Whether `value` beats `other` for this metric; None when either is undefined."""
    if value is None or other is None:
        return None
    return value < other if metric in LOWER_IS_BETTER else value > other


# ---- regression ---------------------------------------------------------------------------------


def mse(pred: torch.Tensor, target: torch.Tensor) -> float:
    return float(((_f64(pred) - _f64(target)) ** 2).mean())


def mae(pred: torch.Tensor, target: torch.Tensor) -> float:
    return float((_f64(pred) - _f64(target)).abs().mean())


def rmse(pred: torch.Tensor, target: torch.Tensor) -> float:
    return mse(pred, target) ** 0.5


def cosine_similarity(pred: torch.Tensor, target: torch.Tensor, eps: float = 1e-8) -> float:
    """Mean over frames of cos(pred_frame, target_frame); a zero vector scores 0."""
    p, t = _frames(pred), _frames(target)
    dot = (p * t).sum(-1)
    norms = p.norm(dim=-1).clamp_min(eps) * t.norm(dim=-1).clamp_min(eps)
    return float((dot / norms).mean())


def _is_constant(x: torch.Tensor) -> bool:
    return float(x.std(unbiased=False)) <= CONSTANT_STD * max(1.0, float(x.abs().mean()))


def pearson(x: torch.Tensor, y: torch.Tensor) -> float | None:
    """Pearson correlation of two 1-D series; None when either is constant."""
    x, y = _f64(x).flatten(), _f64(y).flatten()
    if x.numel() < 2 or _is_constant(x) or _is_constant(y):
        return None
    xc, yc = x - x.mean(), y - y.mean()
    return float((xc * yc).sum() / (xc.norm() * yc.norm()))


def mean_pearson_per_dim(pred: torch.Tensor, target: torch.Tensor) -> float | None:
    """Pearson correlation of each output dimension over frames, averaged over the dimensions
    where it is defined (neither side constant); None when it is defined for none."""
    p, t = _frames(pred), _frames(target)
    values = [pearson(p[:, d], t[:, d]) for d in range(p.shape[1])]
    defined = [v for v in values if v is not None]
    return sum(defined) / len(defined) if defined else None


def ccc(pred: torch.Tensor, target: torch.Tensor) -> float | None:
    """Lin's concordance correlation coefficient (population moments):
    2 cov(x, y) / (var x + var y + (mean x - mean y)^2). Unlike Pearson it punishes a bias or a
    wrong scale, which is why emotion recognition reports it; None when both are the same constant."""
    x, y = _f64(pred).flatten(), _f64(target).flatten()
    mx, my = x.mean(), y.mean()
    # A constant side has no variance and no covariance; rounding would leave ~1e-33 otherwise.
    vx = 0.0 if _is_constant(x) else float(((x - mx) ** 2).mean())
    vy = 0.0 if _is_constant(y) else float(((y - my) ** 2).mean())
    cov = 0.0 if vx == 0.0 or vy == 0.0 else float(((x - mx) * (y - my)).mean())
    denom = vx + vy + float(mx - my) ** 2
    if denom == 0.0:
        return None
    return 2 * cov / denom


# ---- emotion: valence and arousal read back from the embedding ----------------------------------


def valence_arousal(embedding: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """plugin.embedding.valence_arousal for torch frames (the same slices, from there)."""
    e = _frames(embedding)
    return e[:, :HALF].mean(-1), e[:, HALF:EMBEDDING_DIM].mean(-1)


def quadrant(valence: torch.Tensor, arousal: torch.Tensor) -> torch.Tensor:
    """Russell quadrant per frame: 1 (v+, a+), 2 (v-, a+), 3 (v-, a-), 4 (v+, a-); 0 counts as +."""
    v_pos, a_pos = valence >= 0, arousal >= 0
    q = torch.full(valence.shape, 3, dtype=torch.long)
    q[v_pos & a_pos] = 1
    q[~v_pos & a_pos] = 2
    q[v_pos & ~a_pos] = 4
    return q


def quadrant_accuracy(pred: torch.Tensor, target: torch.Tensor) -> float:
    """Share of frames whose predicted embedding falls in the true valence/arousal quadrant."""
    pq = quadrant(*valence_arousal(pred))
    tq = quadrant(*valence_arousal(target))
    return float((pq == tq).double().mean())


def emotion_metrics(pred: torch.Tensor, target: torch.Tensor) -> dict[str, float | None]:
    """Figures over frames. `valence_rmse`, `valence_pearson` (and arousal's) are not here: those
    names mean the MediaEval per-song figures on the 2 Hz grid (evaluation/benchmark.py)."""
    pv, pa = valence_arousal(pred)
    tv, ta = valence_arousal(target)
    return {
        "mse": mse(pred, target),
        "mae": mae(pred, target),
        "cosine_similarity": cosine_similarity(pred, target),
        "mean_pearson": mean_pearson_per_dim(pred, target),
        "valence_ccc": ccc(pv, tv),
        "arousal_ccc": ccc(pa, ta),
        "quadrant_accuracy": quadrant_accuracy(pred, target),
        "mean_ccc": _mean_or_none(ccc(pv, tv), ccc(pa, ta)),
    }


def _mean_or_none(*values: float | None) -> float | None:
    """The mean of the values, None when any is undefined (half a figure is no figure)."""
    return None if any(v is None for v in values) else sum(values) / len(values)  # type: ignore[arg-type]


# ---- melody: note activity ----------------------------------------------------------------------


def bce(prob: torch.Tensor, target: torch.Tensor, eps: float = 1e-7) -> float:
    """Binary cross-entropy of probabilities (clamped to [eps, 1 - eps]), mean over all entries."""
    p, t = _f64(prob).clamp(eps, 1 - eps), _f64(target)
    return float(-(t * p.log() + (1 - t) * (1 - p).log()).mean())


def _prf(tp: float, fp: float, fn: float) -> tuple[float, float, float]:
    """Precision, recall, F1; 0 when undefined (nothing predicted or nothing true), as training."""
    precision = tp / (tp + fp) if tp + fp > 0 else 0.0
    recall = tp / (tp + fn) if tp + fn > 0 else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return precision, recall, f1


def threshold_prf(prob: torch.Tensor, target: torch.Tensor, threshold: float = 0.5):
    """Micro-averaged precision, recall, F1 over every (frame, note) with `prob >= threshold`."""
    hit, on = _f64(prob) >= threshold, _f64(target) >= 0.5
    tp = float((hit & on).sum())
    return _prf(tp, float((hit & ~on).sum()), float((~hit & on).sum()))


def _topk_choice(prob: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(chosen, on) over the steps with at least one active note: `chosen` marks, per step, the k
    most probable notes, k = the number of truly active notes. Ties go to the lower note."""
    p, on = _frames(prob), _frames(target) >= 0.5
    k = on.sum(-1)
    keep = k > 0
    p, on, k = p[keep], on[keep], k[keep]
    order = torch.argsort(p, dim=-1, descending=True, stable=True)
    ranks = torch.empty_like(order)
    ranks.scatter_(1, order, torch.arange(p.shape[1]).expand_as(order).contiguous())
    return ranks < k.unsqueeze(-1), on


def topk_prf(
    prob: torch.Tensor, target: torch.Tensor
) -> tuple[float | None, float | None, float | None, int]:
    """Per step, take the k most probable notes, k = the number of truly active notes; count hits
    over all steps (micro average). Steps with no active note are skipped (k would be 0).

    Because the prediction has exactly as many notes as the truth, precision = recall = F1 here:
    the figure answers "of the notes that sound, how many did the model rank highest?". A random
    ranking scores about k/128, not the 57% of the old top-10 overlap.
    Returns (precision, recall, f1, steps used); the figures are None when no step has an active
    note (0 would read as "every note missed").
    """
    chosen, on = _topk_choice(prob, target)
    if chosen.shape[0] == 0:
        return None, None, None, 0
    tp = float((chosen & on).sum())
    predicted = float(on.sum())
    precision, recall, f1 = _prf(tp, predicted - tp, predicted - tp)
    return precision, recall, f1, int(chosen.shape[0])


def pitch_class_histograms(notes: torch.Tensor) -> torch.Tensor:
    """(frames, 128) note weights -> (frames, 12) sums per pitch class (note number mod 12)."""
    x = _frames(notes)
    n = x.shape[1]
    pad = (-n) % 12
    if pad:
        x = torch.cat([x, x.new_zeros(x.shape[0], pad)], dim=1)
    return x.reshape(x.shape[0], -1, 12).sum(1)


def _normalise(h: torch.Tensor) -> torch.Tensor:
    return h / h.sum(-1, keepdim=True)


def pitch_class_distance(
    prob: torch.Tensor, target: torch.Tensor
) -> tuple[float | None, float | None, int]:
    """Total-variation distance (half the L1 distance, in [0, 1]) between the 12-bin pitch-class
    histogram of the top-k predicted notes (as in `topk_prf`) and that of the true notes.

    The chosen notes, not the raw probabilities, are binned: summed over 128 notes, a model's small
    probabilities on every silent note would swamp the few that sound. Octave errors cost nothing
    here (they do in the top-k figures), so the pair tells "wrong octave" from "wrong harmony".
    Returns (mean over steps with an active note, distance of the histograms summed over those
    steps: "right key overall", steps used); the distances are None when no step has an active
    note (a distance of 0 would read as a perfect match).
    """
    chosen, on = _topk_choice(prob, target)
    if chosen.shape[0] == 0:
        return None, None, 0
    hp, ht = pitch_class_histograms(chosen.double()), pitch_class_histograms(on.double())
    per_step = 0.5 * (_normalise(hp) - _normalise(ht)).abs().sum(-1)
    total = 0.5 * (_normalise(hp.sum(0)) - _normalise(ht.sum(0))).abs().sum()
    return float(per_step.mean()), float(total), int(hp.shape[0])


def melody_metrics(prob: torch.Tensor, target: torch.Tensor) -> dict[str, float | None]:
    precision, recall, f1 = threshold_prf(prob, target)
    k_precision, k_recall, k_f1, _ = topk_prf(prob, target)
    per_step, total, _ = pitch_class_distance(prob, target)
    return {
        "bce": bce(prob, target),
        "note_precision": precision,
        "note_recall": recall,
        "note_f1": f1,
        "topk_precision": k_precision,
        "topk_recall": k_recall,
        "topk_f1": k_f1,
        "pc_hist_distance": per_step,
        "pc_hist_distance_total": total,
    }


# ---- harmony: chord distribution ----------------------------------------------------------------


def kl_divergence(pred: torch.Tensor, target: torch.Tensor, eps: float = 1e-12) -> float | None:
    """KL(target || pred) per frame, summed over classes, mean over frames (terms with target 0
    contribute 0; predictions are clamped at eps so a confident miss is large, not infinite).
    Frames with an all-zero target (an excluded chord) are not scored."""
    p, t = _frames(pred).clamp_min(eps), _frames(target).clamp_min(0)
    known = t.sum(-1) > 0
    if not bool(known.any()):
        return None
    terms = torch.where(t > 0, t * (t.clamp_min(1e-300).log() - p.log()), torch.zeros_like(t))
    return float(terms.sum(-1)[known].mean())


def top1_accuracy(pred: torch.Tensor, target: torch.Tensor) -> float | None:
    """Share of scored frames whose most probable predicted class is the most probable true one."""
    p, t = _frames(pred), _frames(target)
    known = t.clamp_min(0).sum(-1) > 0
    if not bool(known.any()):
        return None
    return float((p.argmax(-1) == t.argmax(-1))[known].double().mean())


def harmony_metrics(pred: torch.Tensor, target: torch.Tensor) -> dict[str, float | None]:
    return {"kl": kl_divergence(pred, target), "top1_accuracy": top1_accuracy(pred, target)}


def regression_metrics(pred: torch.Tensor, target: torch.Tensor) -> dict[str, float | None]:
    return {"mse": mse(pred, target), "mae": mae(pred, target)}


#: Each family of figures (a network's `spec.figures`) and the function that gives them.
_BY_FAMILY = {
    "emotion": emotion_metrics,
    "notes": melody_metrics,
    "chords": harmony_metrics,
    "regression": regression_metrics,
}


def model_metrics(model: str, pred: torch.Tensor, target: torch.Tensor) -> dict[str, float | None]:
    """Every metric of one model on `pred`/`target` ((N, T, F) or (frames, F)), over all frames.

    A value that came out NaN or infinite is undefined, so it is None: a report must stay valid
    JSON (`allow_nan=False`) and must never show NaN as if it were a figure.
    """
    scores = _BY_FAMILY[get_spec(model).figures](pred, target)
    return {k: v if v is None or math.isfinite(v) else None for k, v in scores.items()}
