"""Several runs of one model overlaid, one color per run: which settings trained better.

`plot_runs` is what `emotrain plot` runs: one run folder redraws its own plots, several are
compared into one output folder.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emotrain.io import atomic_write_bytes
from emotrain.plotting.figures import (
    LEGEND_CHARS,
    add_legend,
    apply_log_scale,
    column,
    empty_note,
    epoch_axis,
    figure_png,
    metric_columns,
    new_figure,
    pretty,
    unique_labels,
)
from emotrain.plotting.history import validate_history

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def run_names(runs: Sequence[tuple[str, dict[str, Any]]]) -> list[str]:
    """One name per run, the same in both figures and in every legend entry of a run: shortened
    once (room left for ": validation"), numbered where two shortened names would collide."""
    return unique_labels([label for label, _ in runs], LEGEND_CHARS - len(": validation"))


def _colors(n: int) -> list[Any]:
    from matplotlib import colormaps

    cmap = colormaps["tab10" if n <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(n)]


def compare_loss_figure(
    runs: Sequence[tuple[str, dict[str, Any]]], *, log: bool | None = None
) -> Figure:
    """Validation (solid) and train (dashed) loss of one model across runs, one color per run."""
    fig = new_figure()
    ax = fig.add_subplot()
    everything: list[float] = []
    for label, (_, history), color in zip(run_names(runs), runs, _colors(len(runs)), strict=True):
        rows = history["epochs"]
        epochs = [row["epoch"] for row in rows]
        train, val = column(rows, "train_loss"), column(rows, "val_loss")
        everything += train + val
        ax.plot(epochs, val, color=color, linewidth=1.8, label=f"{label}: validation")
        ax.plot(
            epochs,
            train,
            color=color,
            linewidth=1.0,
            linestyle="--",
            alpha=0.7,
            label=f"{label}: train",
        )
        best = history.get("best_epoch")
        if isinstance(best, int) and best in epochs:
            y = val[epochs.index(best)]
            if math.isfinite(y):
                ax.plot([best], [y], marker="*", markersize=12, color=color, linestyle="none")
        stopped = history.get("stopped_epoch")
        if isinstance(stopped, int) and stopped in epochs:
            y = val[epochs.index(stopped)]
            if math.isfinite(y):
                ax.plot([stopped], [y], marker="X", markersize=9, color=color, linestyle="none")
    used_log = apply_log_scale(ax, everything, log)
    epoch_axis(ax)
    ax.set_ylabel("loss (log scale)" if used_log else "loss")
    ax.set_title(
        f"{runs[0][1]['model']}: loss per epoch, {len(runs)} runs "
        "(star: best epoch, cross: early stop)"
    )
    add_legend(ax)
    return fig


def compare_metric_figure(runs: Sequence[tuple[str, dict[str, Any]]]) -> Figure:
    """The headline validation metric of one model across runs, one color per run."""
    fig = new_figure()
    ax = fig.add_subplot()
    metric = next((h.get("metric") for _, h in runs if h.get("metric")), None) or "metric"
    for label, (_, history), color in zip(run_names(runs), runs, _colors(len(runs)), strict=True):
        headline, _ = metric_columns(history)
        if not headline:
            continue
        rows = history["epochs"]
        ax.plot(
            [row["epoch"] for row in rows],
            column(rows, headline),
            color=color,
            linewidth=1.8,
            marker="o",
            markersize=3,
            label=label,
        )
    epoch_axis(ax)
    ax.set_ylabel(pretty(metric))
    direction = runs[0][1].get("higher_is_better")
    hint = (
        "" if direction is None else (" (higher is better)" if direction else " (lower is better)")
    )
    ax.set_title(
        f"{runs[0][1]['model']}: validation {pretty(metric)} per epoch, {len(runs)} runs{hint}"
    )
    if ax.lines:
        add_legend(ax)
    else:
        empty_note(ax, "no validation metric recorded")
    return fig


def plot_comparison(
    runs: Sequence[tuple[str, dict[str, Any]]], output_dir: Path, *, log: bool | None = None
) -> list[Path]:
    """Write `<name>_loss.png` and `<name>_metric.png` overlaying one model's runs."""
    runs = [(label, validate_history(h, label)) for label, h in runs if h["epochs"]]
    if not runs:
        return []
    name = runs[0][1]["model"]
    output_dir = Path(output_dir)
    return [
        atomic_write_bytes(
            output_dir / f"{name}_loss.png", figure_png(compare_loss_figure(runs, log=log))
        ),
        atomic_write_bytes(
            output_dir / f"{name}_metric.png", figure_png(compare_metric_figure(runs))
        ),
    ]
