"""The melody's live set and its live/reset ratio, with answers worked by hand; and its baseline."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from emotrain.evaluation.data import EvalData
from emotrain.evaluation.live_ratio import ratio_summary
from emotrain.evaluation.melody_songs import round_robin


def test_the_live_set_takes_the_quadrants_in_turn() -> None:
    names = ["Q3_c_0", "Q1_a_1", "Q1_a_0", "Q2_b_0", "Q1_a_10", "Q1_a_2", "Q4_d_0", "Q3_c_1"]
    quads = [int(n[1]) for n in names]
    order = [names[i] for i in round_robin(names, quads)]
    assert order == [
        "Q1_a_0", "Q2_b_0", "Q3_c_0", "Q4_d_0",  # one of each quadrant
        "Q1_a_1", "Q3_c_1",  # then what is left, still in turn
        "Q1_a_2", "Q1_a_10",  # natural order: 2 before 10
    ]  # fmt: skip


def test_the_ratio_is_the_mean_best_note_probability_inside_the_set_over_from_a_reset() -> None:
    reset = [np.array([[0.2, 0.8], [0.6, 0.4]]), np.array([[0.5, 0.1], [0.1, 0.5]])]
    live = [np.array([[0.2, 0.8], [0.6, 0.4]]), np.array([[0.1, 0.1], [0.3, 0.2]])]
    got = ratio_summary(["a", "b"], reset, live)
    assert got["per_clip"]["a"] == pytest.approx({"reset": 0.7, "live": 0.7, "ratio": 1.0})
    assert got["per_clip"]["b"] == pytest.approx({"reset": 0.5, "live": 0.2, "ratio": 0.4})
    assert got["min"] == pytest.approx(0.4) and got["median"] == pytest.approx(0.7)
    assert got["worst_clip"] == "b" and got["n_clips"] == 2


def test_the_melody_baseline_prices_an_unheard_note_as_rare_in_the_report() -> None:
    """judge() had gone back to the plain mean for every network: a note never heard in training
    then cost the baseline 16 nats a step, and any model looked better than it."""
    from emotrain.evaluation.judge import judge
    from emotrain.evaluation.verdicts import BootstrapOptions
    from emotrain.models.catalog import get_spec

    spec = get_spec("melodytransformer")
    train = torch.zeros(8, 16, 128)
    train[:, ::2, 60] = 1.0  # note 60 every other step; note 61 never
    val = torch.zeros(4, 16, 128)
    val[:, ::2, 60] = 1.0
    val[:, 5, 61] = 1.0  # the unheard note sounds once in each validation sequence
    data = EvalData(
        inputs=torch.zeros(4, 16, 64), targets=val, baseline_targets=train,
        description="hand-made", baseline_source="hand-made training part",
        groups=["a", "b", "c", "d"], group_unit="items",
    )  # fmt: skip
    pred = torch.full((4, 16, 128), 0.01, dtype=torch.float64)
    fields, _ = judge(spec, pred, data, None, BootstrapOptions(n_resamples=50), "hand-made")
    from emotrain.evaluation import baselines, metrics

    smoothed = baselines.constant_prediction(baselines.note_base_rates(train), val)
    plain = baselines.constant_prediction(baselines.mean_target(train), val)
    want, old = metrics.bce(smoothed, val), metrics.bce(plain, val)
    assert fields["baseline"]["bce"] == pytest.approx(want, rel=1e-6)
    assert want < old - 0.001  # measured 0.0120 against 0.0133: the unheard note priced high
