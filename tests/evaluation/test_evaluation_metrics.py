"""Every evaluation metric against a value computed by hand on a tiny example."""

from __future__ import annotations

import json
import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from emotrain.evaluation import baselines
from emotrain.evaluation import metrics as m

T = torch.tensor


def emb(valence: float, arousal: float) -> torch.Tensor:
    """A 64-d embedding whose valence/arousal read back as given (half the dims 2x, half 0)."""
    return torch.cat([T([2 * valence] * 16 + [0.0] * 16), T([2 * arousal] * 16 + [0.0] * 16)])


def test_mse_mae_rmse() -> None:
    pred, target = T([[1.0, 2.0], [3.0, 4.0]]), T([[0.0, 2.0], [3.0, 6.0]])
    assert m.mse(pred, target) == pytest.approx(1.25)  # (1 + 0 + 0 + 4) / 4
    assert m.mae(pred, target) == pytest.approx(0.75)  # (1 + 0 + 0 + 2) / 4
    assert m.rmse(pred, target) == pytest.approx(math.sqrt(1.25))


def test_cosine_similarity() -> None:
    pred, target = T([[1.0, 0.0], [1.0, 1.0]]), T([[1.0, 0.0], [0.0, 1.0]])
    assert m.cosine_similarity(pred, target) == pytest.approx((1 + 1 / math.sqrt(2)) / 2)
    assert m.cosine_similarity(T([[0.0, 0.0]]), T([[1.0, 0.0]])) == 0.0  # zero vector scores 0


def test_pearson() -> None:
    # x = 1,2,3; y = 2,4,7: centred -1,0,1 and -7/3,-1/3,8/3
    # r = 5 / sqrt(2 * 114/9) = 15/sqrt(228)
    assert m.pearson(T([1.0, 2.0, 3.0]), T([2.0, 4.0, 7.0])) == pytest.approx(15 / math.sqrt(228))
    assert m.pearson(T([1.0, 2.0, 3.0]), T([3.0, 2.0, 1.0])) == pytest.approx(-1.0)
    assert m.pearson(T([0.3, 0.3, 0.3]), T([1.0, 2.0, 3.0])) is None  # constant: undefined


def test_mean_pearson_per_dim_skips_undefined_dims() -> None:
    pred = T([[1.0, 1.0, 5.0], [2.0, 2.0, 5.0], [3.0, 3.0, 5.0]])
    target = T([[1.0, 3.0, 1.0], [2.0, 2.0, 2.0], [3.0, 1.0, 3.0]])
    # dim 0: +1, dim 1: -1, dim 2: constant prediction -> skipped; mean of (+1, -1) = 0
    assert m.mean_pearson_per_dim(pred, target) == pytest.approx(0.0)
    assert m.mean_pearson_per_dim(pred[:, 2:], target[:, 2:]) is None


def test_ccc_punishes_bias_where_pearson_does_not() -> None:
    x, y = T([1.0, 2.0, 3.0]), T([2.0, 3.0, 4.0])
    # means 2 and 3, variances 2/3, covariance 2/3: 2(2/3) / (2/3 + 2/3 + 1) = 4/7
    assert m.ccc(x, y) == pytest.approx(4 / 7)
    assert m.pearson(x, y) == pytest.approx(1.0)
    assert m.ccc(y, y) == pytest.approx(1.0)
    assert m.ccc(T([0.0, 0.0, 0.0]), T([1.0, 2.0, 3.0])) == 0.0  # constant prediction: 0
    assert m.ccc(torch.full((7,), 0.1), T([0.3, 0.1, 0.7, 0.2, 0.9, 0.4, 0.5])) == 0.0  # exactly
    assert m.ccc(T([2.0, 2.0]), T([2.0, 2.0])) is None


def test_valence_arousal_and_quadrants() -> None:
    v, a = m.valence_arousal(torch.stack([emb(0.5, -0.25)]))
    assert float(v[0]) == pytest.approx(0.5) and float(a[0]) == pytest.approx(-0.25)
    q = m.quadrant(T([0.5, -0.5, -0.5, 0.5, 0.0]), T([0.5, 0.5, -0.5, -0.5, 0.0]))
    assert q.tolist() == [1, 2, 3, 4, 1]
    pred = torch.stack([emb(0.5, 0.5), emb(-0.5, 0.5), emb(-0.5, -0.5), emb(0.5, -0.5)])
    true = torch.stack([emb(0.2, 0.9), emb(-0.1, 0.1), emb(0.3, -0.4), emb(0.9, -0.9)])
    assert m.quadrant_accuracy(pred, true) == pytest.approx(0.75)  # third frame: Q3 vs Q4


def test_emotion_metrics_valence_ccc_on_sequences() -> None:
    pred = torch.stack([emb(0.1, 0.2), emb(0.2, 0.4), emb(0.3, 0.6)]).reshape(1, 3, 64)
    true = torch.stack([emb(0.2, 0.2), emb(0.3, 0.4), emb(0.4, 0.6)]).reshape(1, 3, 64)
    out = m.emotion_metrics(pred, true)
    # valence off by a constant 0.1: ccc 2(2/300)/(4/300 + 0.01) = 4/7
    assert out["valence_ccc"] == pytest.approx(4 / 7)
    # rmse and pearson of valence/arousal are the per-song 2 Hz benchmark figures, not frames'
    assert "valence_rmse" not in out and "arousal_pearson" not in out
    assert out["arousal_ccc"] == pytest.approx(1.0)
    assert out["quadrant_accuracy"] == 1.0


def test_bce() -> None:
    p, t = T([[0.8, 0.3]]), T([[1.0, 0.0]])
    assert m.bce(p, t) == pytest.approx(-(math.log(0.8) + math.log(0.7)) / 2)


def test_threshold_precision_recall_f1() -> None:
    p = T([[0.9, 0.6, 0.2, 0.1], [0.1, 0.1, 0.1, 0.7]])
    t = T([[1.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]])
    # predicted {0, 1} and {3}; true {0, 2} and {3}: tp 2, fp 1, fn 1
    assert m.threshold_prf(p, t) == pytest.approx((2 / 3, 2 / 3, 2 / 3))
    assert m.threshold_prf(T([[0.1, 0.2]]), T([[1.0, 0.0]])) == (0.0, 0.0, 0.0)  # nothing predicted


def test_topk_uses_true_count_and_skips_silent_steps() -> None:
    p = T([[0.9, 0.6, 0.2, 0.1], [0.1, 0.2, 0.3, 0.4], [0.5, 0.5, 0.5, 0.5]])
    t = T([[1.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0], [0.0, 0.0, 0.0, 0.0]])
    # step 1: k=2, top-2 {0, 1}, one hit; step 2: k=1, top-1 {3}, hit; step 3: silent, skipped
    precision, recall, f1, used = m.topk_prf(p, t)
    assert (precision, recall, f1) == pytest.approx((2 / 3, 2 / 3, 2 / 3))
    assert used == 2


def test_topk_of_a_random_ranking_is_about_k_over_128() -> None:
    g = torch.Generator().manual_seed(0)
    target = torch.zeros(4000, 128)
    target[:, :4] = 1.0  # four active notes per step
    precision, *_ = m.topk_prf(torch.rand(4000, 128, generator=g), target)
    assert precision == pytest.approx(4 / 128, abs=0.01)  # not the 57% of the old top-10 overlap


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.booleans(), min_size=128, max_size=128), min_size=1, max_size=6))
def test_perfect_and_inverted_note_predictions(rows: list[list[bool]]) -> None:
    target = T(rows, dtype=torch.float32)
    good = target * 0.9 + 0.05
    precision, recall, f1, used = m.topk_prf(good, target)
    assert used == int((target.sum(-1) > 0).sum())
    if used:
        assert (precision, recall, f1) == (1.0, 1.0, 1.0)
        # inverted: the k picks are silent notes first; only k > 64 forces 2k - 128 hits
        k = target.sum(-1)
        hits = (2 * k - 128).clamp_min(0).sum()
        assert m.topk_prf(1 - good, target)[0] == pytest.approx(float(hits / k.sum()))
    if float(target.sum()) > 0:
        assert m.threshold_prf(good, target) == (1.0, 1.0, 1.0)
        assert m.pitch_class_distance(good, target)[:2] == (0.0, 0.0)


def test_pitch_class_histograms_fold_octaves() -> None:
    notes = torch.zeros(1, 128)
    notes[0, [0, 12, 127]] = 1.0  # C-1, C0 and G9 (127 = 10 * 12 + 7)
    h = m.pitch_class_histograms(notes)
    assert h.shape == (1, 12)
    assert h[0, 0] == 2.0 and h[0, 7] == 1.0 and float(h.sum()) == 3.0


def test_pitch_class_distance() -> None:
    pred, true = torch.zeros(3, 128), torch.zeros(3, 128)
    true[0, [60, 64]] = 1.0  # C, E: k = 2
    pred[0, [60, 67]] = 0.9  # top-2 = C, G: TV = 0.5 (|0.5| + |0.5|) = 0.5
    pred[0, 64] = 0.3
    true[1, 62] = 1.0  # D: k = 1
    pred[1, 74] = 0.5  # top-1 = D an octave up: same pitch class, 0
    pred[2, 10] = 0.9  # a silent step: skipped
    per_step, total, used = m.pitch_class_distance(pred, true)
    assert per_step == pytest.approx(0.25) and used == 2
    # summed: true C, D, E 1/3 each; chosen C, D, G 1/3 each -> 0.5 (1/3 + 1/3)
    assert total == pytest.approx(1 / 3)
    assert m.topk_prf(pred, true)[0] == pytest.approx(1 / 3)  # the octave error counts there


def test_kl_divergence_and_top1() -> None:
    pred = T([[0.25, 0.75, 0.0], [0.5, 0.5, 0.0]])
    target = T([[0.5, 0.5, 0.0], [0.5, 0.5, 0.0]])
    expected = (0.5 * math.log(0.5 / 0.25) + 0.5 * math.log(0.5 / 0.75)) / 2
    assert m.kl_divergence(pred, target) == pytest.approx(expected)
    torch_kl = torch.nn.functional.kl_div(pred[:, :2].log(), target[:, :2], reduction="batchmean")
    assert m.kl_divergence(pred, target) == pytest.approx(float(torch_kl), rel=1e-6)
    assert m.top1_accuracy(T([[0.1, 0.9], [0.8, 0.2]]), T([[0.3, 0.7], [0.4, 0.6]])) == 0.5


def test_is_better_directions() -> None:
    assert m.is_better("mae", 0.1, 0.2) is True
    assert m.is_better("note_f1", 0.1, 0.2) is False
    assert m.is_better("pc_hist_distance", 0.1, 0.2) is True
    assert m.is_better("valence_pearson", 0.5, None) is None


@pytest.mark.parametrize(
    ("model", "keys"),
    [
        ("emotionrecognizer", {"mse", "cosine_similarity", "valence_ccc", "quadrant_accuracy"}),
        ("melodytransformer", {"bce", "note_f1", "topk_f1", "pc_hist_distance"}),
        ("harmonypredictor", {"kl", "top1_accuracy"}),
        ("dynamicsengine", {"mse", "mae"}),
        ("groovepredictor", {"mse", "mae"}),
    ],
)
def test_model_metrics_and_baseline_are_json_safe(model: str, keys: set[str]) -> None:
    from emotrain.models.catalog import get_spec

    spec = get_spec(model)
    g = torch.Generator().manual_seed(1)
    target = torch.rand(3, 5, spec.out_features, generator=g)
    if model == "melodytransformer":
        target = (target > 0.9).float()
    if model == "harmonypredictor":
        target = torch.softmax(target * 4, dim=-1)
    pred = torch.rand(3, 5, spec.out_features, generator=g)
    scores = m.model_metrics(model, pred, target)
    assert keys <= set(scores) and spec.metric in scores and spec.loss in scores
    base = m.model_metrics(
        model, baselines.constant_prediction(baselines.mean_target(target), target), target
    )
    assert set(base) == set(scores)
    json.dumps({"m": scores, "b": base}, allow_nan=False)


def test_mean_baseline() -> None:
    targets = T([[[1.0, 0.0], [3.0, 0.0]], [[5.0, 1.0], [7.0, 1.0]]])  # (2, 2, 2)
    mean = baselines.mean_target(targets)
    assert mean.tolist() == [4.0, 0.5]
    pred = baselines.constant_prediction(mean, targets)
    assert pred.shape == targets.shape and pred[1, 1].tolist() == [4.0, 0.5]
    assert m.mae(pred, targets) == pytest.approx((3 + 1 + 1 + 3 + 0.5 * 4) / 8)
    assert "training split" in baselines.describe("melodytransformer", "the training split")


def test_melody_figures_without_an_active_note_are_undefined_not_zero() -> None:
    """With no sounding note, a pitch-class distance of 0 would read as a perfect match."""
    g = torch.Generator().manual_seed(2)
    prob, silent = torch.rand(2, 4, 128, generator=g), torch.zeros(2, 4, 128)
    assert m.topk_prf(prob, silent) == (None, None, None, 0)
    assert m.pitch_class_distance(prob, silent) == (None, None, 0)
    scores = m.model_metrics("melodytransformer", prob, silent)
    for key in ("topk_precision", "topk_recall", "topk_f1", "pc_hist_distance",
                "pc_hist_distance_total"):  # fmt: skip
        assert scores[key] is None, key
    assert scores["bce"] > 0  # defined figures stay numbers
    assert '"topk_f1": null' in json.dumps(scores, allow_nan=False)


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_a_non_finite_figure_is_reported_as_undefined(bad: float) -> None:
    pred, target = torch.zeros(2, 3, 32), torch.rand(2, 3, 32)
    pred[0, 0, 0] = bad
    scores = m.model_metrics("groovepredictor", pred, target)
    assert scores == {"mse": None, "mae": None}
    json.dumps(scores, allow_nan=False)
