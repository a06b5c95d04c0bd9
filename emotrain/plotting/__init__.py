"""Training curves from history files, drawn with matplotlib's Agg backend (imported lazily).

`plot_history` is what the trainer calls at the end of each model's run; `plot_runs` is what
`emotrain plot` runs; `load_history` checks a history file and says clearly why it cannot be used.
"""

from __future__ import annotations

from emotrain.plotting.figures import (
    DPI,
    FIGSIZE,
    figure_png,
    loss_figure,
    metric_figure,
    plot_history,
    wants_log_scale,
)
from emotrain.plotting.history import find_histories, load_history, validate_history
from emotrain.plotting.overlay import compare_loss_figure, compare_metric_figure, plot_comparison
from emotrain.plotting.runs import plot_runs

__all__ = [
    "DPI",
    "FIGSIZE",
    "compare_loss_figure",
    "compare_metric_figure",
    "figure_png",
    "find_histories",
    "load_history",
    "loss_figure",
    "metric_figure",
    "plot_comparison",
    "plot_history",
    "plot_runs",
    "validate_history",
    "wants_log_scale",
]
