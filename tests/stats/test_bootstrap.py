"""The paired group bootstrap: known effects, coverage, pairing, determinism and edge rules."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emotrain.errors import ConfigError
from emotrain.stats import PairedBootstrap, paired_bootstrap, verdict
from emotrain.stats.bootstrap import GroupResampler


def _grouped_data(rng: np.random.Generator, n_groups: int, per_group: int, true_diff: float):
    """Two models' per-item scores sharing a song effect (pairing matters) with a known mean gap."""
    groups = np.repeat(np.arange(n_groups), per_group)
    song = rng.normal(0.0, 1.0, n_groups)[groups]
    a = song + true_diff + rng.normal(0.0, 0.3, groups.size)
    b = song + rng.normal(0.0, 0.3, groups.size)
    return groups, a, b


def _mean_of(values: np.ndarray):
    return lambda idx: float(values[idx].mean())


def test_interval_covers_the_true_difference_about_95_percent_of_the_time():
    rng = np.random.default_rng(12345)
    cases, hits = 200, 0
    for case in range(cases):
        groups, a, b = _grouped_data(rng, n_groups=40, per_group=3, true_diff=0.25)
        r = paired_bootstrap(_mean_of(a), _mean_of(b), groups, n_resamples=400, seed=case)
        hits += r.ci_low <= 0.25 <= r.ci_high
    assert 0.88 <= hits / cases <= 0.99


def test_a_clear_effect_is_better_and_its_mirror_is_worse():
    groups, a, b = _grouped_data(np.random.default_rng(1), n_groups=30, per_group=4, true_diff=0.5)
    r = paired_bootstrap(_mean_of(a), _mean_of(b), groups)
    assert r.n_resamples == 1000 and r.n_groups == 30 and r.confidence == 0.95
    assert r.diff == pytest.approx(r.a - r.b)
    assert 0.3 < r.ci_low < 0.5 < r.ci_high < 0.7
    assert verdict(r, higher_is_better=True) == "better"
    assert verdict(r, higher_is_better=False) == "worse"
    mirror = paired_bootstrap(_mean_of(b), _mean_of(a), groups)
    assert verdict(mirror, higher_is_better=True) == "worse"
    assert verdict(mirror, higher_is_better=False) == "better"


def test_no_effect_is_not_distinguishable():
    groups, a, b = _grouped_data(np.random.default_rng(2), n_groups=30, per_group=4, true_diff=0.0)
    r = paired_bootstrap(_mean_of(a), _mean_of(b), groups)
    assert r.ci_low < 0 < r.ci_high
    assert verdict(r, True) == verdict(r, False) == "not distinguishable"


def test_a_statistic_compared_with_itself_gives_zero_and_no_verdict():
    groups, a, _ = _grouped_data(np.random.default_rng(3), n_groups=20, per_group=5, true_diff=0.0)
    r = paired_bootstrap(_mean_of(a), _mean_of(a), groups)
    assert r.diff == 0.0 and r.ci_low == 0.0 and r.ci_high == 0.0
    assert verdict(r, True) == verdict(r, False) == "not distinguishable"


def test_pairing_gives_a_narrower_interval_than_resampling_a_and_b_apart():
    groups, a, b = _grouped_data(np.random.default_rng(4), n_groups=30, per_group=4, true_diff=0.2)
    paired = paired_bootstrap(_mean_of(a), _mean_of(b), groups)
    zero = lambda idx: 0.0  # noqa: E731
    alone_a = paired_bootstrap(_mean_of(a), zero, groups, seed=1)
    alone_b = paired_bootstrap(zero, _mean_of(b), groups, seed=2)
    unpaired_width = math.hypot(alone_a.ci_high - alone_a.ci_low, alone_b.ci_high - alone_b.ci_low)
    assert paired.ci_high - paired.ci_low < 0.4 * unpaired_width
    # Without pairing the song effect (sd 1 over 30 songs) swamps the 0.2 gap.
    assert alone_a.ci_low - alone_b.ci_high < 0 < paired.ci_low


def test_resampling_is_over_groups_not_items():
    """Every resample holds whole groups; treating frames as independent would split them."""
    groups = np.array(["s2", "s1", "s2", "s3", "s1", "s2", "s3", "s3", "s3"])
    seen: list[np.ndarray] = []

    def record(idx: np.ndarray) -> float:
        seen.append(idx.copy())
        return float(idx.size)

    paired_bootstrap(record, lambda idx: 0.0, groups, n_resamples=50, seed=7)
    assert np.array_equal(seen[0], np.arange(groups.size))
    sizes = {"s1": 2, "s2": 3, "s3": 4}
    for idx in seen[1:]:
        labels, counts = np.unique(groups[idx], return_counts=True)
        for label, count in zip(labels, counts, strict=True):
            assert count % sizes[label] == 0
        assert sum(count // sizes[label] for label, count in zip(labels, counts, strict=True)) == 3


def test_undefined_resamples_are_dropped_for_both_and_counted():
    groups = np.repeat(np.arange(10), 2)
    values = np.arange(20.0)

    def undefined_without_group_zero(idx: np.ndarray) -> float | None:
        return float(values[idx].mean()) if np.any(groups[idx] == 0) else None

    r = paired_bootstrap(undefined_without_group_zero, _mean_of(values), groups, n_resamples=500)
    # P(a resample misses group 0) = 0.9**10, about 35%.
    assert 100 < r.n_undefined < 250
    assert math.isfinite(r.ci_low) and math.isfinite(r.ci_high)
    again = paired_bootstrap(
        undefined_without_group_zero, _mean_of(values), groups, n_resamples=500
    )
    assert again == r


def test_mostly_undefined_or_single_group_gives_no_interval():
    groups = np.repeat(np.arange(10), 2)
    rarely = paired_bootstrap(
        lambda idx: 1.0 if np.unique(groups[idx]).size == 10 else math.nan,
        lambda idx: 0.0,
        groups,
        n_resamples=200,
    )
    assert math.isnan(rarely.ci_low) and verdict(rarely, True) == "not distinguishable"
    assert rarely.to_dict()["ci_low"] is None
    one = paired_bootstrap(lambda idx: 1.0, lambda idx: 0.0, np.zeros(5, dtype=int))
    assert one.n_groups == 1 and math.isnan(one.ci_high)
    assert verdict(one, True) == "not distinguishable"
    whole_undefined = paired_bootstrap(lambda idx: None, lambda idx: 0.0, groups)
    assert (
        math.isnan(whole_undefined.diff) and verdict(whole_undefined, True) == "not distinguishable"
    )


def test_margin_demands_more_than_excluding_zero():
    r = PairedBootstrap(a=0.01, b=0.0, diff=0.01, ci_low=0.005, ci_high=0.02, confidence=0.95,
                        n_groups=10, n_resamples=1000, seed=0)  # fmt: skip
    assert verdict(r, True) == "better"
    assert verdict(r, True, margin=0.01) == "not distinguishable"


def test_to_dict_is_plain_json_ready():
    groups, a, b = _grouped_data(np.random.default_rng(5), n_groups=8, per_group=2, true_diff=0.1)
    d = paired_bootstrap(_mean_of(a), _mean_of(b), groups, n_resamples=100, seed=9).to_dict()
    assert set(d) >= {
        "a",
        "b",
        "diff",
        "ci_low",
        "ci_high",
        "confidence",
        "n_groups",
        "n_resamples",
        "seed",
    }
    assert d["seed"] == 9 and d["n_resamples"] == 100 and d["n_groups"] == 8


@pytest.mark.parametrize(
    "kwargs",
    [{"n_resamples": 0}, {"n_resamples": 2.5}, {"confidence": 1.0}, {"confidence": 0.0}],
)
def test_bad_options_are_config_errors(kwargs):
    with pytest.raises(ConfigError):
        paired_bootstrap(lambda i: 0.0, lambda i: 0.0, [1, 2, 3], **kwargs)


def test_no_items_is_a_config_error():
    with pytest.raises(ConfigError, match="group labels"):
        paired_bootstrap(lambda i: 0.0, lambda i: 0.0, [])


@settings(max_examples=40, deadline=None)
@given(
    labels=st.lists(st.sampled_from(["a", "b", "c", "d", "e", "f"]), min_size=2, max_size=40),
    shift=st.floats(-100, 100, allow_nan=False),
    seed=st.integers(0, 2**32 - 1),
)
def test_shifting_a_shifts_diff_and_interval_and_same_seed_same_bits(labels, shift, seed):
    groups = np.array(labels)
    values = np.random.default_rng(seed).normal(size=groups.size)
    base = paired_bootstrap(
        _mean_of(values), _mean_of(values * 0.5), groups, n_resamples=60, seed=seed
    )
    moved = paired_bootstrap(
        lambda idx: float(values[idx].mean()) + shift,
        _mean_of(values * 0.5),
        groups,
        n_resamples=60,
        seed=seed,
    )
    assert base.n_groups == len(set(labels))
    assert base == paired_bootstrap(
        _mean_of(values), _mean_of(values * 0.5), groups, n_resamples=60, seed=seed
    )
    if base.n_groups >= 2:
        assert base.ci_low <= base.ci_high
        assert moved.ci_low == pytest.approx(base.ci_low + shift, abs=1e-9)
        assert moved.ci_high == pytest.approx(base.ci_high + shift, abs=1e-9)
    assert moved.diff == pytest.approx(base.diff + shift, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(counts=st.lists(st.integers(1, 6), min_size=1, max_size=12), seed=st.integers(0, 1000))
def test_resampler_items_match_a_plain_loop(counts, seed):
    groups = np.random.default_rng(seed).permutation(np.repeat(np.arange(len(counts)), counts))
    resampler = GroupResampler(groups)
    chosen = np.random.default_rng(seed + 1).integers(0, len(counts), size=len(counts))
    expected = np.concatenate([np.flatnonzero(groups == g) for g in chosen])
    assert np.array_equal(resampler.items(chosen), expected)


def test_block_size_does_not_change_the_bits(monkeypatch):
    groups, a, b = _grouped_data(np.random.default_rng(6), n_groups=12, per_group=3, true_diff=0.1)
    whole = paired_bootstrap(_mean_of(a), _mean_of(b), groups, n_resamples=200, seed=3)
    monkeypatch.setattr("emotrain.stats.bootstrap._BLOCK_ITEMS", 1)
    assert paired_bootstrap(_mean_of(a), _mean_of(b), groups, n_resamples=200, seed=3) == whole


def test_many_figures_at_once_match_one_at_a_time():
    from emotrain.stats import paired_bootstrap_many

    groups, a, b = _grouped_data(np.random.default_rng(8), n_groups=15, per_group=3, true_diff=0.3)

    def figures(values):
        return lambda idx: {
            "mean": float(values[idx].mean()),
            "max": float(values[idx].max()),
            "undefined": None,
        }

    many = paired_bootstrap_many(figures(a), figures(b), groups, n_resamples=300, seed=4)
    assert list(many) == ["mean", "max", "undefined"]
    one = paired_bootstrap(_mean_of(a), _mean_of(b), groups, n_resamples=300, seed=4)
    assert many["mean"] == one
    top = paired_bootstrap(
        lambda i: float(a[i].max()), lambda i: float(b[i].max()), groups, n_resamples=300, seed=4
    )
    assert many["max"] == top
    assert math.isnan(many["undefined"].diff) and verdict(many["undefined"], True) == (
        "not distinguishable"
    )
