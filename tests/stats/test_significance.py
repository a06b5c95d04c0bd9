"""McNemar's exact test and Holm's correction against values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from emotrain.errors import ConfigError
from emotrain.stats import holm, mcnemar_exact


def _outcomes(both: int, only_a: int, only_b: int, neither: int) -> tuple[np.ndarray, np.ndarray]:
    a = [True] * both + [True] * only_a + [False] * only_b + [False] * neither
    b = [True] * both + [False] * only_a + [True] * only_b + [False] * neither
    return np.array(a), np.array(b)


@pytest.mark.parametrize(
    ("only_a", "only_b", "expected"),
    [
        (4, 0, 2 / 16),  # 2 * P(X <= 0), X ~ Bin(4, .5)
        (1, 5, 2 * (1 + 6) / 64),  # 2 * P(X <= 1), X ~ Bin(6, .5) = 0.21875
        (7, 3, 2 * (1 + 10 + 45 + 120) / 1024),  # 0.34375
        (3, 3, 1.0),  # symmetric: capped at 1
        (0, 0, 1.0),  # no discordant pairs
        (12, 0, 2 / 4096),
    ],
)
def test_mcnemar_exact_matches_hand_computed_binomial_tails(only_a, only_b, expected):
    a, b = _outcomes(both=9, only_a=only_a, only_b=only_b, neither=5)
    assert mcnemar_exact(a, b) == pytest.approx(expected, rel=1e-12)
    assert mcnemar_exact(b, a) == pytest.approx(expected, rel=1e-12)


def test_mcnemar_large_counts_use_log_space_and_agree_with_the_normal_approximation():
    a, b = _outcomes(both=0, only_a=3300, only_b=3000, neither=0)
    p = mcnemar_exact(a, b)
    z = (3300 - 3000) / math.sqrt(6300)  # continuity-free normal approximation
    approx = math.erfc(z / math.sqrt(2))
    assert 0 < p < 1e-3 and p == pytest.approx(approx, rel=0.15)


def test_mcnemar_rejects_mismatched_lengths():
    with pytest.raises(ConfigError, match="one outcome per item"):
        mcnemar_exact(np.ones(3, bool), np.ones(4, bool))


def test_holm_matches_hand_computed_values_in_input_order():
    # sorted: 0.01*4=0.04, 0.02*3=0.06, 0.03*2=0.06 (monotone), 0.04*1 -> 0.06
    assert holm([0.03, 0.01, 0.04, 0.02]) == pytest.approx([0.06, 0.04, 0.06, 0.06])
    assert holm([0.5, 0.4]) == pytest.approx([0.8, 0.8])
    assert holm([0.9, 0.001]) == pytest.approx([0.9, 0.002])
    assert holm([]) == []


def test_holm_rejects_values_that_are_not_p_values():
    with pytest.raises(ConfigError):
        holm([0.1, 1.5])


@given(st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=20))
def test_holm_never_lowers_a_p_value_and_keeps_the_order_of_the_raw_ones(p):
    adjusted = holm(p)
    assert all(x <= y <= 1.0 for x, y in zip(p, adjusted, strict=True))
    order = np.argsort(p, kind="stable")
    assert np.all(np.diff(np.asarray(adjusted)[order]) >= 0)
