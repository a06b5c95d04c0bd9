"""A paired bootstrap over groups (songs), the only honest way to say "A beats B" on our data.

Frames (or sequences) of one song are strongly correlated, so resampling them as if independent gives
intervals far too narrow. We resample whole groups with replacement and hand both statistics the
*same* resampled item indices, so whatever A and B have in common (hard songs, easy songs) cancels
in the difference and the interval of `a - b` is as narrow as the data honestly allows.

Rules a caller can rely on:

- Resample r draws `n_groups` group ids uniformly with replacement (numpy `Generator(PCG64(seed))`),
  and the statistics receive the item indices of those groups, concatenated in draw order (a group
  drawn twice appears twice). Same inputs and seed give the same bits.
- A statistic that returns None or NaN on a resample makes that resample *undefined* for both A and B
  (pairing is kept); undefined resamples are dropped, counted in `n_undefined`, and the interval is
  taken over the rest. If fewer than half the resamples are defined, or the statistic is undefined on
  the whole data, or there are fewer than two groups (resampling one group cannot show spread), the
  interval is NaN and the verdict is "not distinguishable".
- The interval is the percentile interval of the defined resampled differences (numpy's default
  linear quantile), at `confidence` (0.95: the 2.5% and 97.5% points).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from emotrain.errors import ConfigError

BETTER = "better"
WORSE = "worse"
NOT_DISTINGUISHABLE = "not distinguishable"
VERDICTS = (BETTER, WORSE, NOT_DISTINGUISHABLE)

# Resamples are built in blocks of about this many item indices (~16 MB of int64).
_BLOCK_ITEMS = 2_000_000

Statistic = Callable[[np.ndarray], float | None]


@dataclass(frozen=True)
class PairedBootstrap:
    """The outcome of one paired bootstrap; `to_dict()` is what reports store (NaN becomes None)."""

    a: float
    b: float
    diff: float
    ci_low: float
    ci_high: float
    confidence: float
    n_groups: int
    n_resamples: int
    seed: int
    n_undefined: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {k: _json_number(v) for k, v in asdict(self).items()}


def _json_number(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _as_float(value: float | None) -> float:
    """None, NaN and infinities all mean "undefined here"; they become NaN."""
    if value is None:
        return math.nan
    out = float(value)
    return out if math.isfinite(out) else math.nan


class GroupResampler:
    """Builds the item indices of resampled groups without a per-item Python loop.

    Items are sorted by group once; a resample is then a `np.repeat` of the chosen groups' start
    offsets plus a running index, which is a handful of vectorised numpy calls per resample.
    """

    def __init__(self, groups: Sequence[Any] | np.ndarray):
        labels = np.asarray(groups)
        if labels.ndim != 1 or labels.size == 0:
            raise ConfigError(
                "the bootstrap needs a non-empty 1-D sequence of group labels, one per item"
            )
        _, inverse = np.unique(labels, return_inverse=True)
        inverse = inverse.reshape(-1)
        self.order = np.argsort(inverse, kind="stable")
        self.counts = np.bincount(inverse)
        self.starts = np.concatenate(([0], np.cumsum(self.counts)[:-1]))
        self.n_groups = int(self.counts.size)
        self.n_items = int(labels.size)

    def items(self, chosen: np.ndarray) -> np.ndarray:
        """Item indices of the chosen group ids, in draw order, repeats included."""
        lengths = self.counts[chosen]
        total = int(lengths.sum())
        run_starts = np.cumsum(lengths) - lengths
        within = np.arange(total) - np.repeat(run_starts, lengths)
        return self.order[np.repeat(self.starts[chosen], lengths) + within]

    def resamples(self, n_resamples: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
        """Item indices of each resample, built a block of resamples at a time.

        All group ids are drawn up front (so the bits do not depend on the block size); a block's
        indices come from one `items()` call over its concatenated draws, then are sliced per resample.
        """
        draws = rng.integers(0, self.n_groups, size=(n_resamples, self.n_groups))
        per_block = max(1, _BLOCK_ITEMS // max(1, self.n_items))
        for first in range(0, n_resamples, per_block):
            block = draws[first : first + per_block]
            flat = self.items(block.reshape(-1))
            ends = np.cumsum(self.counts[block].sum(axis=1))
            yield from np.split(flat, ends[:-1])


def _check_options(n_resamples: int, confidence: float) -> None:
    problems = []
    if (
        isinstance(n_resamples, bool)
        or not isinstance(n_resamples, int | np.integer)
        or n_resamples < 1
    ):
        problems.append(
            f"the number of bootstrap resamples must be a whole number >= 1, got {n_resamples!r}"
        )
    if not (isinstance(confidence, int | float) and 0.0 < confidence < 1.0):
        problems.append(
            f"the bootstrap confidence must be strictly between 0 and 1, got {confidence!r}"
        )
    if problems:
        raise ConfigError(problems)


def paired_bootstrap(
    stat_a: Statistic,
    stat_b: Statistic,
    groups: Sequence[Any] | np.ndarray,
    *,
    n_resamples: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> PairedBootstrap:
    """Compare two statistics on the same items, resampling whole groups (see the module docstring)."""
    many = paired_bootstrap_many(
        lambda idx: {"_": stat_a(idx)},
        lambda idx: {"_": stat_b(idx)},
        groups,
        n_resamples=n_resamples,
        seed=seed,
        confidence=confidence,
    )
    return many["_"]


def paired_bootstrap_many(
    stats_a: Callable[[np.ndarray], Mapping[str, float | None]],
    stats_b: Callable[[np.ndarray], Mapping[str, float | None]],
    groups: Sequence[Any] | np.ndarray,
    *,
    n_resamples: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> dict[str, PairedBootstrap]:
    """`paired_bootstrap` for several figures at once, one result per key of `stats_a`'s dict.

    Each callable is called once per resample and returns every figure, so figures that share work
    (all of a model's metrics from one set of sums) cost one call, and every figure sees the same
    resamples as `paired_bootstrap` with the same seed would. Undefined resamples are judged per
    figure. `stats_b` must return the same keys.
    """
    _check_options(n_resamples, confidence)
    resampler = GroupResampler(groups)
    everything = np.arange(resampler.n_items)
    full_a, full_b = stats_a(everything), stats_b(everything)
    keys = list(full_a)
    a = np.array([_as_float(full_a[k]) for k in keys], dtype=float)
    b = np.array([_as_float(full_b.get(k)) for k in keys], dtype=float)
    diffs = np.full((n_resamples, len(keys)), np.nan)
    if resampler.n_groups >= 2 and np.isfinite(a - b).any():
        rng = np.random.Generator(np.random.PCG64(seed))
        for r, idx in enumerate(resampler.resamples(n_resamples, rng)):
            ra, rb = stats_a(idx), stats_b(idx)
            diffs[r] = [_as_float(ra[k]) - _as_float(rb.get(k)) for k in keys]
    tail = (1.0 - confidence) / 2.0
    out: dict[str, PairedBootstrap] = {}
    for j, key in enumerate(keys):
        diff = float(a[j] - b[j])
        low = high = math.nan
        n_undefined = 0
        if resampler.n_groups >= 2 and math.isfinite(diff):
            defined = diffs[:, j][np.isfinite(diffs[:, j])]
            n_undefined = int(n_resamples - defined.size)
            if defined.size * 2 >= n_resamples:
                low, high = (float(q) for q in np.quantile(defined, [tail, 1.0 - tail]))
        out[key] = PairedBootstrap(
            a=float(a[j]),
            b=float(b[j]),
            diff=diff,
            ci_low=low,
            ci_high=high,
            confidence=float(confidence),
            n_groups=resampler.n_groups,
            n_resamples=int(n_resamples),
            seed=int(seed),
            n_undefined=n_undefined,
        )
    return out


def verdict(result: PairedBootstrap, higher_is_better: bool, *, margin: float = 0.0) -> str:
    """'better' only when the whole interval lies beyond +margin in A's favour, 'worse' when beyond
    -margin against it, else 'not distinguishable'. An undefined interval is never a win or a loss.

    The interval must exclude zero *strictly*: two identical models give [0, 0], which is not a win.
    """
    low, high = result.ci_low, result.ci_high
    if not (math.isfinite(low) and math.isfinite(high)):
        return NOT_DISTINGUISHABLE
    if not higher_is_better:
        low, high = -high, -low
    if low > margin:
        return BETTER
    if high < -margin:
        return WORSE
    return NOT_DISTINGUISHABLE
