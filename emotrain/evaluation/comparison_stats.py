"""The statistics of an A/B comparison: which figures decide, their margins, the paired song
bootstrap with p-values, Holm's correction and the verdict words.

Kept apart from comparison.py (which resolves the two sides and their data) so that evaluation's
own modules, harmony's WCSR included, can ask for a comparison's statistics without importing the
orchestration that imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from emotrain.errors import ConfigError
from emotrain.evaluation import metrics as M
from emotrain.evaluation import wcsr
from emotrain.models.catalog import SPECS, get_spec

COMPARISON_FILE = "comparison.json"
PLOT_FILE = "comparison_intervals.png"
MIN_RESAMPLES = 2000
ALPHA = 0.05


#: The figures compared per family of figures (a network's `spec.figures`), each with its default
#: equivalence margin (absolute, in the figure's own units): differences smaller than these do
#: not matter for the plugin. Their values are `evaluate`'s (moments.py finishes them).
_BY_FAMILY: dict[str, dict[str, float]] = {
    "emotion": {
        "mse": 0.005,
        "cosine_similarity": 0.01,
        "valence_ccc": 0.02,
        "arousal_ccc": 0.02,
        "quadrant_accuracy": 0.02,
    },
    "notes": {"bce": 0.005, "note_f1": 0.01, "topk_f1": 0.01},
    "chords": {"kl": 0.01, "top1_accuracy": 0.01},
    "regression": {"mse": 0.001, "mae": 0.005},
}
#: The same, per network name (what `compare` and its tests look up).
FIGURES: dict[str, dict[str, float]] = {s.name: _BY_FAMILY[s.figures] for s in SPECS}

#: Harmony on a chord corpus is compared by WCSR of the songs streamed whole (the evaluation's
#: figures), each "prediction" row being one file's right and scored seconds per rule.
CHORDS = "harmonypredictor/chords"
FIGURES[CHORDS] = dict.fromkeys(wcsr.FIGURES, 0.01)

#: The figures the overall verdict is decided by, where not all of them: the melody's proper
#: scoring rule (its notes are a distribution, not a function of the emotion), a chord
#: corpus's major/minor WCSR.
DECIDING: dict[str, tuple[str, ...]] = {"notes": ("bce",), CHORDS: ("wcsr_majmin",)}


def deciding_figures(model: str) -> tuple[str, ...]:
    family = model if model == CHORDS else get_spec(model).figures
    return DECIDING.get(family, tuple(FIGURES[model]))


def parse_margins(model: str, given: list[str] | None) -> dict[str, float]:
    """`--margin 0.02` (every figure) and/or `--margin mae=0.01` (one), over the defaults."""
    margins = dict(FIGURES[model])
    if model != CHORDS and get_spec(model).judged_whole == "chord_songs":  # by WCSR on chords
        margins.update(FIGURES[CHORDS])
    for item in given or []:
        key, sep, value = item.rpartition("=")
        try:
            number = float(value)
        except ValueError:
            number = float("nan")
        if not np.isfinite(number) or number < 0:
            raise ConfigError(f"--margin: {item!r} needs a number >= 0 (e.g. 0.01 or mae=0.01)")
        if not sep:
            margins = dict.fromkeys(margins, number)
        elif key not in margins:
            raise ConfigError(
                f"--margin: {key!r} is not a figure of {model}; allowed: {', '.join(margins)}"
            )
        else:
            margins[key] = number
    return margins


def _quadrant_correct(pred: torch.Tensor, target: torch.Tensor) -> np.ndarray:
    pq = M.quadrant(*M.valence_arousal(pred))
    tq = M.quadrant(*M.valence_arousal(target))
    return (pq == tq).numpy()


class _Recorder:
    """Figures of one side on every index set the bootstrap hands it, kept in call order.

    `paired_bootstrap_many` calls each side once on the whole data, then once per resample; keeping
    the values gives the resampled differences, from which the two-sided bootstrap p-value that
    Holm's correction needs is read (the same resamples as the interval, so the two agree).
    """

    def __init__(self, figures_of: Callable[[np.ndarray], dict[str, Any]], names: list[str]):
        self.figures_of, self.names = figures_of, names
        self.calls: list[list[float]] = []

    def __call__(self, idx: np.ndarray) -> dict[str, float | None]:
        every = self.figures_of(np.asarray(idx, dtype=np.int64))
        values = {name: every[name] for name in self.names}
        self.calls.append([np.nan if v is None else float(v) for v in values.values()])
        return values


def _figures_of(model: str, pred: torch.Tensor, targets: torch.Tensor) -> Callable:
    """A side's figures of any index set, finished from per-item sums (a resample only adds
    rows): a network's from moments.py, as `evaluate` reports them; a chord corpus's rows are
    already each file's right and scored seconds, finished as wcsr.py does."""
    from emotrain.evaluation.moments import sequence_sums, statistic

    if model == CHORDS:
        return statistic(pred.numpy(), wcsr.figures)
    return statistic(*sequence_sums(model, pred, targets))


def _bootstrap_p(b: _Recorder, a: _Recorder, column: int, n_resamples: int) -> float | None:
    """Two-sided p for B - A = 0: twice the smaller share of resampled differences on either side
    of zero (1 when every resample gives exactly zero, as a model against itself does)."""
    if len(b.calls) != n_resamples + 1 or len(a.calls) != n_resamples + 1:
        return None  # the bootstrap drew no resamples (fewer than two songs)
    d = np.array([rb[column] - ra[column] for rb, ra in zip(b.calls[1:], a.calls[1:], strict=True)])
    d = d[np.isfinite(d)]
    if d.size * 2 < n_resamples:
        return None
    if np.all(d == 0):
        return 1.0
    return float(min(1.0, 2 * min(np.mean(d <= 0), np.mean(d >= 0))))


def _figure_verdict(row: dict[str, Any], direction: str) -> str:
    lo, hi, margin = row["ci_low"], row["ci_high"], row["margin"]
    if lo is None or hi is None:
        return "inconclusive"
    if lo >= -margin and hi <= margin:
        return "equivalent"
    p = row["p_holm"]
    if direction in ("better", "worse") and (p is None or p < ALPHA):
        return direction
    return "inconclusive"


def overall_verdict(verdicts: list[str]) -> str:
    if verdicts and all(v == "equivalent" for v in verdicts):
        return "equivalent"
    better, worse = "better" in verdicts, "worse" in verdicts
    if better and not worse:
        return "better"
    if worse and not better:
        return "worse"
    return "inconclusive"


def compare_predictions(
    model: str,
    pred_a: torch.Tensor,
    pred_b: torch.Tensor,
    targets: torch.Tensor,
    groups: list[str],
    *,
    margins: dict[str, float] | None = None,
    n_resamples: int = MIN_RESAMPLES,
    seed: int = 0,
    confidence: float = 0.95,
) -> dict[str, Any]:
    """The statistics of a comparison: every figure's interval, p-values, Holm, verdicts."""
    from emotrain.stats import holm, mcnemar_exact, paired_bootstrap_many, verdict

    margins = margins or parse_margins(model, None)
    names = list(FIGURES[model])
    side_b = _Recorder(_figures_of(model, pred_b, targets), names)
    side_a = _Recorder(_figures_of(model, pred_a, targets), names)
    # Thousands of figures on small resampled tensors: torch's thread pool only adds waiting
    # (25x slower measured on a busy 2-core machine), and the figures are the same on one thread.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        results = paired_bootstrap_many(
            side_b, side_a, groups, n_resamples=n_resamples, seed=seed, confidence=confidence
        )  # B first: every difference is B - A, and "better" means B is better
    finally:
        torch.set_num_threads(threads)
    rows = []
    for column, (figure, result) in enumerate(results.items()):
        higher = figure not in M.LOWER_IS_BETTER
        if not (np.isfinite(result.a) and np.isfinite(result.b)):
            value_b, value_a = (None if not np.isfinite(v) else v for v in (result.a, result.b))
            rows.append({"figure": figure, "verdict": "undefined", "a": value_a, "b": value_b})
            continue
        if figure == "quadrant_accuracy":
            p = float(
                mcnemar_exact(
                    _quadrant_correct(pred_b, targets), _quadrant_correct(pred_a, targets)
                )
            )
            method = "McNemar exact (frames)"
        else:
            p, method = _bootstrap_p(side_b, side_a, column, n_resamples), "bootstrap over songs"
        rows.append(
            {
                "figure": figure,
                "higher_is_better": higher,
                "a": float(result.b),
                "b": float(result.a),
                "diff": float(result.diff),
                "ci_low": result.to_dict()["ci_low"],
                "ci_high": result.to_dict()["ci_high"],
                "margin": float(margins[figure]),
                "p_value": p,
                "p_method": method,
                "undefined_resamples": result.n_undefined,
                "_direction": verdict(result, higher),
            }
        )
    tested = [r for r in rows if r.get("verdict") != "undefined"]
    known = [r for r in tested if r["p_value"] is not None]
    adjusted = holm([r["p_value"] for r in known]) if known else []
    for row, p in zip(known, adjusted, strict=True):
        row["p_holm"] = float(p)
    for row in tested:
        row.setdefault("p_holm", None)
        row["verdict"] = _figure_verdict(row, row.pop("_direction"))
    deciding = deciding_figures(model)
    return {
        "figures": rows,
        "verdict": overall_verdict([r["verdict"] for r in tested if r["figure"] in deciding]),
        "decided_by": list(deciding),
        "bootstrap": {
            "unit": "song",
            "n_resamples": n_resamples,
            "seed": seed,
            "confidence": confidence,
            "n_songs": len(set(groups)),
        },
        "alpha": ALPHA,
        "correction": "Holm across figures",
    }
