"""Statistics for judging models against each other: a paired bootstrap over groups, McNemar, Holm.

Pure numpy (never torch), so `evaluate` and `compare` can import it cheaply and it can be tested on
synthetic numbers whose answer is known.
"""

from __future__ import annotations

from emotrain.stats.bootstrap import (
    PairedBootstrap,
    paired_bootstrap,
    paired_bootstrap_many,
    verdict,
)
from emotrain.stats.significance import holm, mcnemar_exact

__all__ = [
    "PairedBootstrap",
    "holm",
    "mcnemar_exact",
    "paired_bootstrap",
    "paired_bootstrap_many",
    "verdict",
]
