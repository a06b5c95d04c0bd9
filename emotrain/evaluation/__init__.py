"""Evaluation reports: each trained model's figures beside a trivial baseline's.

`evaluate()` is what `emotrain evaluate` runs; `evaluate_checkpoint()` judges one file. Importing
this package does not import torch.
"""

from __future__ import annotations

from typing import Any

__all__ = ["REPORT_FILE", "evaluate", "evaluate_checkpoint"]

REPORT_FILE = "evaluation_results.json"


def evaluate(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """See `emotrain.evaluation.report.evaluate`."""
    from emotrain.evaluation.report import evaluate as _evaluate

    return _evaluate(*args, **kwargs)


def evaluate_checkpoint(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """See `emotrain.evaluation.report.evaluate_checkpoint`."""
    from emotrain.evaluation.report import evaluate_checkpoint as _evaluate_checkpoint

    return _evaluate_checkpoint(*args, **kwargs)
