"""Whether a model is better than its baseline, decided by a paired bootstrap over songs.

Frames of one song are correlated, so "better" is judged by resampling whole songs (items for
synthetic data, where each sequence is its own item): the model and the baseline are scored on the
same resampled songs and the 95% interval of the difference must exclude zero in the model's favour.
The bare comparison of two averages that this replaces called a constant "better" when it happened
to sit 1.5% closer in MSE than the training mean.

A model whose predictions do not vary cannot be better, whatever the interval says: its spread
(the root of the summed per-dimension variances over the evaluated frames) must be at least
`MIN_SPREAD` of the targets' spread.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the CLI imports this module's defaults, so torch and numpy load lazily
    from emotrain.stats.bootstrap import PairedBootstrap

BETTER = "better"
NOT_DISTINGUISHABLE = "not distinguishable"

#: Predictions whose spread is under this share of the targets' spread count as constant.
MIN_SPREAD = 0.01

DEFAULT_RESAMPLES = 1000
MIN_RESAMPLES = 100
DEFAULT_BOOTSTRAP_SEED = 0
CONFIDENCE = 0.95


@dataclass(frozen=True)
class BootstrapOptions:
    n_resamples: int = DEFAULT_RESAMPLES
    seed: int = DEFAULT_BOOTSTRAP_SEED


def headline_metric(spec: Any) -> tuple[str, bool]:
    """(metric, higher is better) the report judges this model by: its spec's `judged_by` where
    that differs from training's metric. The field's figure for emotion recognition (DEAM/PMEmo) is
    the mean of valence and arousal CCC. The melody transformer is judged by a proper scoring rule,
    its mean binary cross-entropy over notes and steps: the next note is not a function of the
    emotion, only its distribution is, so no note need pass note_f1's 0.5 threshold (note_f1 read 0
    for model and baseline alike on a corpus whose quadrants differ in scale and register, while
    bce told them apart)."""
    metric = spec.headline_metric
    return metric, _higher_is_better(metric)


def _higher_is_better(metric: str) -> bool:
    from emotrain.evaluation.metrics import LOWER_IS_BETTER

    return metric not in LOWER_IS_BETTER


def compare(
    model: str,
    pred: Any,
    targets: Any,
    baseline_pred: Any,
    groups: list[str],
    opts: BootstrapOptions,
) -> dict[str, PairedBootstrap]:
    """Every figure of the model against the baseline's, bootstrapped over the same groups."""
    import numpy as np

    from emotrain.evaluation.moments import sequence_sums, statistic
    from emotrain.stats import paired_bootstrap_many

    model_sums, finish = sequence_sums(model, pred, targets)
    base_sums, base_finish = sequence_sums(model, baseline_pred, targets)
    return paired_bootstrap_many(
        statistic(model_sums, finish),
        statistic(base_sums, base_finish),
        np.asarray(groups),
        n_resamples=opts.n_resamples,
        seed=opts.seed,
        confidence=CONFIDENCE,
    )


def prediction_spread(pred: Any, targets: Any) -> float | None:
    """Spread of the predictions over the evaluated frames relative to the targets'; None when the
    targets do not vary (nothing to be relative to)."""
    import torch

    p = pred.detach().to("cpu", torch.float64).reshape(-1, pred.shape[-1])
    t = targets.detach().to("cpu", torch.float64).reshape(-1, targets.shape[-1])
    target_spread = float(t.var(0, unbiased=False).sum().sqrt())
    if target_spread == 0.0:
        return None
    return float(p.var(0, unbiased=False).sum().sqrt()) / target_spread


def _number(x: float) -> float | None:
    return x if math.isfinite(x) else None


def verdict_of(result: PairedBootstrap, higher_is_better: bool) -> str:
    from emotrain.stats import verdict

    return verdict(result, higher_is_better)


def comparison_entry(result: PairedBootstrap, higher_is_better: bool) -> dict[str, Any]:
    """One figure's line of the report: model, baseline, difference, interval, verdict."""
    return {
        "model": _number(result.a),
        "baseline": _number(result.b),
        "diff": _number(result.diff),
        "ci": [_number(result.ci_low), _number(result.ci_high)],
        "verdict": verdict_of(result, higher_is_better),
    }


def comparisons(results: dict[str, PairedBootstrap]) -> dict[str, dict[str, Any]]:
    return {k: comparison_entry(r, _higher_is_better(k)) for k, r in results.items()}


def headline(
    spec: Any,
    metrics: dict[str, Any],
    baseline: dict[str, Any],
    results: dict[str, PairedBootstrap],
    spread: float | None,
) -> tuple[dict[str, Any], list[str]]:
    """The report's headline and any note explaining a verdict that the interval alone would not."""
    metric, higher = headline_metric(spec)
    value, base = metrics.get(metric), baseline.get(metric)
    result = results[metric]
    verdict = verdict_of(result, higher)
    notes = []
    if verdict == BETTER and spread is not None and spread < MIN_SPREAD:
        verdict = NOT_DISTINGUISHABLE
        notes.append(
            f"the predictions do not vary (spread {spread:.2g} of the targets', under "
            f"{MIN_SPREAD:g}): a constant cannot be better than the baseline, whatever {metric} says"
        )
    loss = results.get(spec.loss)
    loss_verdict = None if loss is None else verdict_of(loss, _higher_is_better(spec.loss))
    return {
        "metric": metric,
        "higher_is_better": higher,
        "model": value,
        "baseline": base,
        "diff": _number(result.diff),
        "ci": [_number(result.ci_low), _number(result.ci_high)],
        "n_groups": result.n_groups,
        "verdict": verdict,
        "beats_baseline": None if value is None or base is None else verdict == BETTER,
        "loss_verdict": loss_verdict,
        "loss_beats_baseline": None if loss_verdict is None else loss_verdict == BETTER,
        "prediction_spread": spread,
    }, notes


def bootstrap_description(results: dict[str, PairedBootstrap], unit: str) -> dict[str, Any]:
    """How the intervals were made, so a reader can reproduce them."""
    first = next(iter(results.values()))
    return {
        "unit": unit,
        "n_groups": first.n_groups,
        "n_resamples": first.n_resamples,
        "seed": first.seed,
        "confidence": first.confidence,
        "interval": "percentile",
    }
