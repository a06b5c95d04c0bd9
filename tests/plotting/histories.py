"""History dicts shaped like the trainer's (training/metrics.py), with known values to check."""

from __future__ import annotations


def make_history(
    name: str = "groovepredictor", n: int = 6, *, metric: str = "mae", scale: float = 1.0
):
    rows = []
    for e in range(1, n + 1):
        rows.append(
            {
                "epoch": e,
                "train_loss": scale * 1.0 / e,
                "val_loss": scale * (1.2 / e + (0.05 * e if e > 3 else 0.0)),
                "lr": 1e-3,
                "epoch_time_s": 0.1,
                "samples_per_s": 100.0,
                f"val_{metric}": 0.5 / e,
                "val_mse": 0.3 / e,
            }
        )
    return {
        "model": name,
        "format_version": 1,
        "metric": metric,
        "higher_is_better": False,
        "monitor": "val_loss",
        "best_epoch": 3,
        "best_val_loss": rows[min(2, n - 1)]["val_loss"],
        "stopped_epoch": n,
        "stop_reason": "early stopping",
        "status": "early_stopped",
        "epochs": rows,
    }
