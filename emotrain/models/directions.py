"""Which way each metric is better, without torch: plots and tables read it, the metrics use it."""

from __future__ import annotations

#: Metrics where smaller is better; every other metric is better when larger.
LOWER_IS_BETTER = frozenset(
    {"mse", "mae", "bce", "kl", "valence_rmse", "arousal_rmse", "pc_hist_distance",
     "pc_hist_distance_total"}
)  # fmt: skip


def higher_is_better(metric: str) -> bool:
    """`metric` with or without its `val_`/`train_` prefix."""
    for prefix in ("val_", "train_"):
        if metric.startswith(prefix):
            metric = metric[len(prefix) :]
    return metric not in LOWER_IS_BETTER and metric != "loss"
