"""Every evaluation metric as per-sequence sums plus a finishing step, so a bootstrap is cheap.

Recomputing `metrics.model_metrics` on each of 1,000 resamples would take minutes (the emotion
figures alone are ~100 tensor operations). Every figure we report is instead a function of sums over
frames: squared errors, hits, moments of valence and arousal, pitch-class histograms. We compute
those sums once per sequence; a resample then only adds up the rows of the sequences it drew and
finishes the figures from the totals. On all sequences this gives `model_metrics`'s figures
(tests/evaluation check it to ~1e-9).

Moments of correlations are taken about the full data's mean (a fixed shift) so that a constant
prediction has exactly zero spread in every resample instead of rounding noise.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

import numpy as np
import torch

from emotrain.evaluation.metrics import CONSTANT_STD, quadrant, valence_arousal
from emotrain.models.catalog import get_spec

Finish = Callable[[np.ndarray], dict[str, float | None]]


#: Rows to sum into one (see `sequence_sums`), for the `_Columns` made during one call.
_SEGMENTS: ContextVar[np.ndarray | None] = ContextVar("segments", default=None)


class _Columns:
    """Named column blocks of the (sequences, K) sums matrix.

    With `segments` (start rows), consecutive sequences are summed into one row per segment as each
    block is added: a streamed song passed as one-frame sequences becomes one row without ever
    holding a (frames, K) matrix.
    """

    def __init__(self) -> None:
        self.segments = _SEGMENTS.get()
        self.blocks: list[np.ndarray] = []
        self.where: dict[str, slice] = {}
        self.width = 0

    def add(self, name: str, per_sequence: torch.Tensor) -> None:
        block = per_sequence.detach().to("cpu", torch.float64).reshape(per_sequence.shape[0], -1)
        if self.segments is not None:
            block = torch.from_numpy(np.add.reduceat(block.numpy(), self.segments, axis=0))
        self.where[name] = slice(self.width, self.width + block.shape[1])
        self.width += block.shape[1]
        self.blocks.append(block.numpy())

    def matrix(self) -> np.ndarray:
        return np.concatenate(self.blocks, axis=1)


def _seq_sum(x: torch.Tensor) -> torch.Tensor:
    """(N, T, ...) -> (N, ...) summed over frames."""
    return x.sum(dim=1)


def _add_moments(cols: _Columns, name: str, x: torch.Tensor, y: torch.Tensor) -> dict[str, Any]:
    """Sums of x, y, x², y², xy about the full data's means, per sequence; x, y are (N, T, D)."""
    sx, sy = x.reshape(-1, x.shape[-1]).mean(0), y.reshape(-1, y.shape[-1]).mean(0)
    xc, yc = x - sx, y - sy
    for part, values in (("x", xc), ("y", yc), ("xx", xc * xc), ("yy", yc * yc), ("xy", xc * yc)):
        cols.add(f"{name}.{part}", _seq_sum(values))
    return {"shift_x": sx.numpy(), "shift_y": sy.numpy()}


def _spread(s: np.ndarray, ss: np.ndarray, n: float, shift: np.ndarray):
    """(mean, population variance, is-constant) from shifted sums, elementwise over dimensions."""
    m = s / n
    var = np.maximum(ss / n - m * m, 0.0)
    mean = m + shift
    constant = np.sqrt(var) <= CONSTANT_STD * np.maximum(1.0, np.abs(mean))
    return mean, var, constant


def _corr(total: np.ndarray, cols: _Columns, name: str, n: float, shifts: dict[str, Any]):
    """(pearson, ccc) per dimension from the summed moments; NaN where undefined."""
    get = lambda part: total[cols.where[f"{name}.{part}"]]  # noqa: E731
    mx, vx, cx = _spread(get("x"), get("xx"), n, shifts["shift_x"])
    my, vy, cy = _spread(get("y"), get("yy"), n, shifts["shift_y"])
    cov = get("xy") / n - (get("x") / n) * (get("y") / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        pearson = np.where(cx | cy, np.nan, cov / np.sqrt(vx * vy))
        vx, vy = np.where(cx, 0.0, vx), np.where(cy, 0.0, vy)
        cov = np.where(cx | cy, 0.0, cov)
        denom = vx + vy + (mx - my) ** 2
        ccc = np.where(denom == 0.0, np.nan, 2 * cov / denom)
    return pearson, ccc


def _value(x: float) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _prf(tp: float, fp: float, fn: float) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp > 0 else 0.0
    recall = tp / (tp + fn) if tp + fn > 0 else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return precision, recall, f1


def _emotion(pred: torch.Tensor, target: torch.Tensor) -> tuple[_Columns, Finish]:
    n_seq, steps, width = pred.shape
    cols = _Columns()
    err = pred - target
    cols.add("sq", _seq_sum((err**2).sum(-1)))
    cols.add("abs", _seq_sum(err.abs().sum(-1)))
    dot = (pred * target).sum(-1)
    norms = pred.norm(dim=-1).clamp_min(1e-8) * target.norm(dim=-1).clamp_min(1e-8)
    cols.add("cos", _seq_sum(dot / norms))
    dims = _add_moments(cols, "dims", pred, target)
    pv, pa = (s.reshape(n_seq, steps, 1) for s in valence_arousal(pred))
    tv, ta = (s.reshape(n_seq, steps, 1) for s in valence_arousal(target))
    v = _add_moments(cols, "v", pv, tv)
    a = _add_moments(cols, "a", pa, ta)
    hit = quadrant(pv.flatten(), pa.flatten()) == quadrant(tv.flatten(), ta.flatten())
    cols.add("quad", hit.double().reshape(n_seq, steps).sum(1))
    cols.add("frames", torch.full((n_seq,), float(steps), dtype=torch.float64))

    def finish(total: np.ndarray) -> dict[str, float | None]:
        frames = float(total[cols.where["frames"]][0])
        dim_r, _ = _corr(total, cols, "dims", frames, dims)
        defined = dim_r[np.isfinite(dim_r)]
        _, v_c = _corr(total, cols, "v", frames, v)
        _, a_c = _corr(total, cols, "a", frames, a)
        v_ccc, a_ccc = _value(v_c[0]), _value(a_c[0])
        return {
            "mse": float(total[cols.where["sq"]][0]) / (frames * width),
            "mae": float(total[cols.where["abs"]][0]) / (frames * width),
            "cosine_similarity": float(total[cols.where["cos"]][0]) / frames,
            "mean_pearson": float(defined.mean()) if defined.size else None,
            "valence_ccc": v_ccc,
            "arousal_ccc": a_ccc,
            "quadrant_accuracy": float(total[cols.where["quad"]][0]) / frames,
            "mean_ccc": None if v_ccc is None or a_ccc is None else (v_ccc + a_ccc) / 2,
        }

    return cols, finish


def _melody(prob: torch.Tensor, target: torch.Tensor) -> tuple[_Columns, Finish]:
    n_seq, steps, notes = prob.shape
    cols = _Columns()
    p = prob.clamp(1e-7, 1 - 1e-7)
    cols.add("bce", _seq_sum(-(target * p.log() + (1 - target) * (1 - p).log()).sum(-1)))
    hit, on = prob >= 0.5, target >= 0.5
    cols.add("tp", _seq_sum((hit & on).double().sum(-1)))
    cols.add("fp", _seq_sum((hit & ~on).double().sum(-1)))
    cols.add("fn", _seq_sum((~hit & on).double().sum(-1)))
    # Top-k per step (k = active notes), ties to the lower note, as metrics._topk_choice.
    flat, flat_on = prob.reshape(-1, notes), on.reshape(-1, notes)
    k = flat_on.sum(-1)
    order = torch.argsort(flat, dim=-1, descending=True, stable=True)
    ranks = torch.empty_like(order)
    ranks.scatter_(1, order, torch.arange(notes).expand_as(order).contiguous())
    chosen = ranks < k.unsqueeze(-1)
    used = (k > 0).double()
    cols.add("k.tp", (chosen & flat_on).double().sum(-1).reshape(n_seq, steps).sum(1))
    cols.add("k.on", k.double().reshape(n_seq, steps).sum(1))
    cols.add("k.used", used.reshape(n_seq, steps).sum(1))
    pad = (-notes) % 12

    def histogram(x: torch.Tensor) -> torch.Tensor:
        x = torch.cat([x, x.new_zeros(x.shape[0], pad)], dim=1) if pad else x
        return x.reshape(x.shape[0], -1, 12).sum(1)

    hp, ht = histogram(chosen.double()), histogram(flat_on.double())
    with torch.no_grad():
        safe = lambda h: h / h.sum(-1, keepdim=True).clamp_min(1e-300)  # noqa: E731
        per_step = 0.5 * (safe(hp) - safe(ht)).abs().sum(-1) * used
    cols.add("pc.step", per_step.reshape(n_seq, steps).sum(1))
    cols.add("pc.hp", hp.reshape(n_seq, steps, 12).sum(1))
    cols.add("pc.ht", ht.reshape(n_seq, steps, 12).sum(1))
    cols.add("frames", torch.full((n_seq,), float(steps), dtype=torch.float64))

    def finish(total: np.ndarray) -> dict[str, float | None]:
        get = lambda name: total[cols.where[name]]  # noqa: E731
        frames = float(get("frames")[0])
        precision, recall, f1 = _prf(float(get("tp")[0]), float(get("fp")[0]), float(get("fn")[0]))
        used_steps = float(get("k.used")[0])
        out: dict[str, float | None] = {
            "bce": float(get("bce")[0]) / (frames * notes),
            "note_precision": precision,
            "note_recall": recall,
            "note_f1": f1,
            "topk_precision": None,
            "topk_recall": None,
            "topk_f1": None,
            "pc_hist_distance": None,
            "pc_hist_distance_total": None,
        }
        if used_steps > 0:
            tp, active = float(get("k.tp")[0]), float(get("k.on")[0])
            kp, kr, kf = _prf(tp, active - tp, active - tp)
            hp_total, ht_total = get("pc.hp"), get("pc.ht")
            distance = 0.5 * np.abs(hp_total / hp_total.sum() - ht_total / ht_total.sum()).sum()
            out.update(
                topk_precision=kp,
                topk_recall=kr,
                topk_f1=kf,
                pc_hist_distance=float(get("pc.step")[0]) / used_steps,
                pc_hist_distance_total=float(distance),
            )
        return out

    return cols, finish


def _harmony(pred: torch.Tensor, target: torch.Tensor) -> tuple[_Columns, Finish]:
    cols = _Columns()
    p, t = pred.clamp_min(1e-12), target.clamp_min(0)
    terms = torch.where(t > 0, t * (t.clamp_min(1e-300).log() - p.log()), torch.zeros_like(t))
    # a frame with an all-zero target (an excluded chord of a chord corpus) is not scored
    known = (t.sum(-1) > 0).double()
    cols.add("kl", _seq_sum(terms.sum(-1)))
    cols.add("top1", _seq_sum((pred.argmax(-1) == target.argmax(-1)).double() * known))
    cols.add("frames", _seq_sum(known))

    def finish(total: np.ndarray) -> dict[str, float | None]:
        frames = float(total[cols.where["frames"]][0])
        if frames == 0:
            return {"kl": None, "top1_accuracy": None}
        return {
            "kl": float(total[cols.where["kl"]][0]) / frames,
            "top1_accuracy": float(total[cols.where["top1"]][0]) / frames,
        }

    return cols, finish


def _regression(pred: torch.Tensor, target: torch.Tensor) -> tuple[_Columns, Finish]:
    n_seq, steps, width = pred.shape
    cols = _Columns()
    err = pred - target
    cols.add("sq", _seq_sum((err**2).sum(-1)))
    cols.add("abs", _seq_sum(err.abs().sum(-1)))
    cols.add("frames", torch.full((n_seq,), float(steps), dtype=torch.float64))

    def finish(total: np.ndarray) -> dict[str, float | None]:
        entries = float(total[cols.where["frames"]][0]) * width
        return {
            "mse": float(total[cols.where["sq"]][0]) / entries,
            "mae": float(total[cols.where["abs"]][0]) / entries,
        }

    return cols, finish


#: Each family of figures (a network's `spec.figures`) and its per-sequence sums.
_BY_FAMILY = {
    "emotion": _emotion,
    "notes": _melody,
    "chords": _harmony,
    "regression": _regression,
}


def sequence_sums(
    model: str, pred: torch.Tensor, target: torch.Tensor, segments: np.ndarray | None = None
) -> tuple[np.ndarray, Finish]:
    """(sums, finish): sums is (sequences, K) float64; `finish(sums[idx].sum(0))` gives every
    figure of the sequences `idx` (repeats count twice), with None where a figure is undefined.

    `segments`: increasing start indices (the first 0); the sums of the sequences from one start to
    the next become one row, so whole songs of any length are rows (pass their frames as (F, 1, D)).
    """
    pred = pred.detach().to("cpu", torch.float64)
    target = target.detach().to("cpu", torch.float64)
    token = _SEGMENTS.set(None if segments is None else np.asarray(segments, dtype=np.int64))
    try:
        cols, finish = _BY_FAMILY[get_spec(model).figures](pred, target)
    finally:
        _SEGMENTS.reset(token)
    return cols.matrix(), finish


def statistic(sums: np.ndarray, finish: Finish) -> Callable[[np.ndarray], dict[str, float | None]]:
    """The figures of the sequences an index array names, for `paired_bootstrap_many`."""

    def figures(idx: np.ndarray) -> dict[str, float | None]:
        return finish(sums[idx].sum(0))

    return figures
