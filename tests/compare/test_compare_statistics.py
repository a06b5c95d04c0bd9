"""The statistics of a comparison on pairs whose true difference is known."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from emotrain.evaluation.comparison_stats import compare_predictions, overall_verdict, parse_margins

SONGS, FRAMES, DIMS = 20, 2, 2
SIGMA_A, SIGMA_B = 1.0, 0.8  # B's errors are smaller: B is better by a known amount


def _pair(seed: int) -> tuple[torch.Tensor, ...]:
    g = torch.Generator().manual_seed(seed)
    target = torch.randn(SONGS, FRAMES, DIMS, generator=g, dtype=torch.float64)
    a = target + SIGMA_A * torch.randn(SONGS, FRAMES, DIMS, generator=g, dtype=torch.float64)
    b = target + SIGMA_B * torch.randn(SONGS, FRAMES, DIMS, generator=g, dtype=torch.float64)
    return a, b, target


def test_known_effects_fall_inside_the_interval_most_of_the_time():
    """B - A of MSE is SIGMA_B^2 - SIGMA_A^2 and of MAE (SIGMA_B - SIGMA_A) sqrt(2/pi) in the
    population; the 95% intervals over 20 songs should hold them in roughly 95% of cases (120
    seeded cases, 100 resamples each to stay fast; the command itself never uses fewer than
    2,000)."""
    truth = {"mse": SIGMA_B**2 - SIGMA_A**2, "mae": (SIGMA_B - SIGMA_A) * math.sqrt(2 / math.pi)}
    groups = [f"song-{i}" for i in range(SONGS)]
    cases, hits = 120, {"mse": 0, "mae": 0}
    for seed in range(cases):
        a, b, target = _pair(seed)
        result = compare_predictions("groovepredictor", a, b, target, groups,
                                     n_resamples=100, seed=seed)  # fmt: skip
        for row in result["figures"]:
            hits[row["figure"]] += row["ci_low"] <= truth[row["figure"]] <= row["ci_high"]
    for figure, n in hits.items():
        assert 0.85 * cases <= n <= 0.995 * cases, (figure, n)


def test_verdicts_follow_the_interval_and_the_margin():
    a, _b, target = _pair(0)
    groups = [f"song-{i // 2}" for i in range(SONGS)]  # two sequences per song
    same = compare_predictions("groovepredictor", a, a, target, groups, n_resamples=200)
    assert same["verdict"] == "equivalent"
    assert all(r["p_holm"] == 1.0 for r in same["figures"])
    halved = target + 0.5 * (a - target)  # every error exactly halved: B better on every song
    big = a, halved, target
    many = groups
    better = compare_predictions("groovepredictor", *big, many, n_resamples=200)
    assert better["verdict"] == "better"
    worse = compare_predictions("groovepredictor", big[1], big[0], big[2], many, n_resamples=200)
    assert worse["verdict"] == "worse"
    wide = compare_predictions(
        "groovepredictor", *big, many, n_resamples=200, margins={"mse": 5.0, "mae": 5.0}
    )
    assert wide["verdict"] == "equivalent"  # a real difference, too small to matter at 5.0


def test_quadrant_accuracy_uses_mcnemar_and_holm_covers_every_figure():
    g = torch.Generator().manual_seed(3)
    target = torch.rand(30, 4, 64, generator=g, dtype=torch.float64) * 2 - 1
    a = target + 0.8 * torch.randn(30, 4, 64, generator=g, dtype=torch.float64)
    result = compare_predictions("emotionrecognizer", a, a.clone(), target,
                                 [str(i) for i in range(30)], n_resamples=200)  # fmt: skip
    rows = {r["figure"]: r for r in result["figures"]}
    assert rows["quadrant_accuracy"]["p_method"].startswith("McNemar")
    assert rows["quadrant_accuracy"]["p_value"] == 1.0  # no frame where they disagree
    assert set(rows) == {"mse", "cosine_similarity", "valence_ccc", "arousal_ccc",
                         "quadrant_accuracy"}  # fmt: skip
    assert result["verdict"] == "equivalent" and result["correction"] == "Holm across figures"


@pytest.mark.parametrize(
    ("verdicts", "overall"),
    [
        (["equivalent", "equivalent"], "equivalent"),
        (["better", "equivalent"], "better"),
        (["better", "inconclusive"], "better"),
        (["worse", "equivalent"], "worse"),
        (["better", "worse"], "inconclusive"),
        (["inconclusive", "equivalent"], "inconclusive"),
    ],
)
def test_overall_verdict(verdicts, overall):
    assert overall_verdict(verdicts) == overall


def test_margins_parse():
    assert parse_margins("groovepredictor", ["0.5"]) == {"mse": 0.5, "mae": 0.5}
    assert parse_margins("groovepredictor", ["0.5", "mae=0.1"]) == {"mse": 0.5, "mae": 0.1}
    assert np.isclose(parse_margins("groovepredictor", None)["mae"], 0.005)


@pytest.mark.parametrize(
    "model", ["emotionrecognizer", "melodytransformer", "harmonypredictor", "groovepredictor"]
)
def test_each_side_figure_is_the_metric_on_all_the_data(model):
    """The comparison finishes its figures from per-item sums (fast resamples); on all the data
    they are the very figures `evaluate` reports (metrics.model_metrics), for every family."""
    from emotrain.evaluation.metrics import model_metrics
    from emotrain.models.catalog import get_spec
    from emotrain.plugin.embedding import emotion_embedding

    g = torch.Generator().manual_seed(3)
    n, t, width = 12, 8, get_spec(model).out_features
    if model == "emotionrecognizer":
        va = torch.rand(n, t, 2, generator=g, dtype=torch.float64) * 2 - 1
        target = torch.from_numpy(emotion_embedding(va.numpy())).double()
    elif model == "melodytransformer":
        target = (torch.rand(n, t, width, generator=g) < 0.05).double()
    elif model == "harmonypredictor":
        target = torch.randn(n, t, width, generator=g, dtype=torch.float64).softmax(-1)
    else:
        target = torch.rand(n, t, width, generator=g, dtype=torch.float64)
    noise = lambda s: s * torch.randn(n, t, width, generator=g, dtype=torch.float64)  # noqa: E731
    if model in ("melodytransformer", "harmonypredictor"):
        a = (target.log1p() + noise(1.0)).softmax(-1) if model == "harmonypredictor" else None
        a = a if a is not None else (0.2 * target + noise(0.05).abs()).clamp(0, 1)
        b = (a + 0.1 * target).clamp(0, 1)
    else:
        a, b = target + noise(0.3), target + noise(0.2)
    groups = [f"song-{i // 2}" for i in range(n)]
    result = compare_predictions(model, a, b, target, groups, n_resamples=50)
    want_a, want_b = model_metrics(model, a, target), model_metrics(model, b, target)
    assert [r["figure"] for r in result["figures"]]
    for row in result["figures"]:
        assert row["a"] == pytest.approx(want_a[row["figure"]], abs=1e-9), row["figure"]
        assert row["b"] == pytest.approx(want_b[row["figure"]], abs=1e-9), row["figure"]
