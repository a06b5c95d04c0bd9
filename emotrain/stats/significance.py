"""Significance tests on paired outcomes: McNemar's exact test and Holm's step-down correction.

`mcnemar_exact` suits a per-item right/wrong outcome of two models on the same items (the A/B
comparison of classifiers); `holm` adjusts a family of p-values (one per figure or per model) so
that reporting several of them does not inflate the chance of a false "better".
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from emotrain.errors import ConfigError

# Below this many discordant pairs the tail is summed exactly in integers; above it in log space
# (relative error ~1e-12, and no multi-thousand-digit integers).
_EXACT_LIMIT = 5000


def _binomial_lower_tail_half(k: int, n: int) -> float:
    """P(X <= k) for X ~ Binomial(n, 1/2)."""
    if n <= _EXACT_LIMIT:
        total, term = 0, 1
        for i in range(k + 1):
            total += term
            term = term * (n - i) // (i + 1)
        return total / (1 << n)
    logs = [math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) for i in range(k + 1)]
    top = max(logs)
    return math.exp(top + math.log(math.fsum(math.exp(v - top) for v in logs)) - n * math.log(2.0))


def mcnemar_exact(a_correct: np.ndarray, b_correct: np.ndarray) -> float:
    """Two-sided exact McNemar p-value: a binomial(n, 1/2) test on the pairs where A and B disagree.

    With no discordant pairs the models cannot be told apart and the p-value is 1.
    """
    a = np.asarray(a_correct, dtype=bool).reshape(-1)
    b = np.asarray(b_correct, dtype=bool).reshape(-1)
    if a.shape != b.shape:
        raise ConfigError(
            f"McNemar needs one outcome per item for both models, got {a.size} and {b.size}"
        )
    only_a = int(np.count_nonzero(a & ~b))
    only_b = int(np.count_nonzero(~a & b))
    n = only_a + only_b
    if n == 0:
        return 1.0
    return min(1.0, 2.0 * _binomial_lower_tail_half(min(only_a, only_b), n))


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-adjusted p-values in the input order: the i-th smallest is multiplied by (m - i), kept
    monotone, and capped at 1."""
    p = np.asarray(list(p_values), dtype=float)
    if p.size == 0:
        return []
    if np.any(~np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise ConfigError("Holm's correction needs p-values between 0 and 1")
    m = p.size
    order = np.argsort(p, kind="stable")
    scaled = np.minimum(1.0, (m - np.arange(m)) * p[order])
    adjusted = np.maximum.accumulate(scaled)
    out = np.empty(m)
    out[order] = adjusted
    return [float(v) for v in out]
