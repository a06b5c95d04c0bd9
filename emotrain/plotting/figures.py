"""Training curves of one run: the loss and the headline metric per epoch, as PNGs.

Figures are plain `matplotlib.figure.Figure` objects on the Agg canvas (no pyplot, no global
state, no display needed), so the trainer can draw them at the end of a run in any environment,
and tests can inspect the very lines that end up in the PNG. matplotlib is imported only when a
figure is drawn.

Every PNG is rendered into memory first and written with `atomic_write_bytes`, so an interrupted
plot never leaves a half-written image behind.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emotrain.io import atomic_write_bytes
from emotrain.plotting.history import validate_history

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Figure size in inches and resolution: 800 x 500 pixels, readable on a laptop and in a README.
FIGSIZE = (8.0, 5.0)
DPI = 100
#: Losses spanning more than this ratio (two decades) get a log axis unless `log=False`.
LOG_SPAN = 100.0
#: Longest legend label: anything longer is shortened in the middle, so the legend (placed inside
#: the axes) always fits there; long explanations go in the footnote instead.
LEGEND_CHARS = 40
#: Footnote line width in characters, about the figure's width at the small font size.
NOTE_CHARS = 110


def _float(value: Any) -> float:
    return float("nan") if value is None else float(value)


def column(rows: Sequence[dict[str, Any]], key: str) -> list[float]:
    return [_float(row.get(key)) for row in rows]


def _finite_positive(values: Iterable[float]) -> list[float]:
    return [v for v in values if math.isfinite(v) and v > 0]


def wants_log_scale(values: Iterable[float]) -> bool:
    """True when positive losses span more than two decades (a linear axis flattens them)."""
    vals = list(values)
    pos = _finite_positive(vals)
    if not pos or len(pos) < len([v for v in vals if math.isfinite(v)]):
        return False  # zero or negative losses cannot go on a log axis
    return max(pos) / min(pos) > LOG_SPAN


def new_figure() -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def pretty(metric: str) -> str:
    return metric.replace("_", " ")


def metric_columns(history: dict[str, Any]) -> tuple[str | None, list[str]]:
    """The headline validation metric column (if recorded) and the other val_* metric columns."""
    rows = history["epochs"]
    present: list[str] = []
    for row in rows:
        for key in row:
            if key.startswith("val_") and key != "val_loss" and key not in present:
                present.append(key)
    metric = history.get("metric")
    headline = f"val_{metric}" if metric and f"val_{metric}" in present else None
    others = [k for k in present if k != headline]
    return headline, others


def _mark_events(
    ax: Any, history: dict[str, Any], values: list[float] | None = None, what: str = ""
) -> list[Any]:
    """Mark the best epoch (line and star) and the early stop; returns those marks, which the
    legend must not cover."""
    marks: list[Any] = []
    epochs = [row["epoch"] for row in history["epochs"]]
    best = history.get("best_epoch")
    if isinstance(best, int) and best in epochs:
        y = values[epochs.index(best)] if values is not None else None
        label = f"best epoch {best}"
        if y is not None and math.isfinite(y):
            label += f" ({what} {y:.4g})" if what else f" ({y:.4g})"
            marks += ax.plot(
                [best],
                [y],
                marker="*",
                markersize=14,
                color="tab:green",
                linestyle="none",
                zorder=5,
            )
        marks.append(
            ax.axvline(best, color="tab:green", linestyle="--", linewidth=1.2, label=label)
        )
    stopped = history.get("stopped_epoch")
    if isinstance(stopped, int):
        # The reason can be a sentence: it goes in the footnote, the legend keeps the short label.
        label = f"stopped at epoch {stopped}"
        marks.append(
            ax.axvline(stopped, color="tab:red", linestyle=":", linewidth=1.5, label=label)
        )
    return marks


def stop_note(fig: Figure, history: dict[str, Any]) -> None:
    """The early-stopping reason as a wrapped footnote under the axes (laid out with the figure)."""
    stopped, reason = history.get("stopped_epoch"), history.get("stop_reason")
    if not isinstance(stopped, int) or not isinstance(reason, str) or not reason:
        return
    text = textwrap.fill(f"stopped at epoch {stopped}: {reason}", NOTE_CHARS)
    note = fig.supxlabel(text, fontsize="small", x=0.01, ha="left", color="0.3")
    note.set_gid("stop-note")


def short_label(label: str, limit: int = LEGEND_CHARS) -> str:
    """`label`, shortened in the middle past `limit` characters (both ends name a run best)."""
    if len(label) <= limit:
        return label
    head = (limit - 1) // 2
    return label[:head] + "…" + label[len(label) - (limit - 1 - head) :]


def unique_labels(labels: Sequence[str], limit: int = LEGEND_CHARS) -> list[str]:
    """`labels` shortened to `limit` characters and still told apart: where two shortened forms
    collide, each is numbered (`#2 runs/…/final`), so one run never shows under two names."""
    short = [short_label(lbl, limit) for lbl in labels]
    if len(set(short)) == len(short) or len(set(labels)) < len(labels):
        return short
    return [f"#{i + 1} " + short_label(lbl, limit - len(f"#{i + 1} ")) for i, lbl in
            enumerate(labels)]  # fmt: skip


#: Where the legend may go, tried in this order: the corners first, then the sides' middles.
_LEGEND_PLACES = ("upper right", "upper left", "lower left", "lower right", "center right",
                  "center left", "upper center", "lower center", "center")  # fmt: skip


def _legend_cost(ax: Any, box: Any, keep_clear: Sequence[Any], renderer: Any) -> float:
    """How much a legend at `box` hides: a mark it must not cover (best epoch, early stop) costs
    more than every curve together; then each curve it crosses, then each point under it."""
    cost = 0.0
    for line in ax.get_lines():
        if not line.get_visible():
            continue
        if any(line is mark for mark in keep_clear):
            cost += 10_000.0 * box.overlaps(line.get_window_extent(renderer))
            continue
        path = line.get_transform().transform_path(line.get_path())
        cost += 10.0 * path.intersects_bbox(box, filled=False)
        points = line.get_transform().transform(line.get_xydata())
        if len(points):
            x, y = points[:, 0], points[:, 1]
            cost += float(((x >= box.x0) & (x <= box.x1) & (y >= box.y0) & (y <= box.y1)).sum())
    return cost


def add_legend(ax: Any, keep_clear: Sequence[Any] = ()) -> None:
    """A legend inside the axes, with labels short enough that it cannot leave them, placed
    where it covers no mark in `keep_clear` (the best-epoch line, the early stop) and as little
    of the curves as it can. (Matplotlib's "best" weighs a mark the same as one point of a
    curve, so an interrupted run's legend sat on its best-epoch line.)"""
    handles, labels = ax.get_legend_handles_labels()
    many = len(labels) > 6
    legend = ax.legend(
        handles,
        [short_label(lbl) for lbl in labels],
        loc="upper right",
        fontsize="small" if many else None,
        ncols=2 if len(labels) > 10 else 1,
    )
    fig = ax.figure
    fig.canvas.draw()  # lays the figure out, so the boxes below are where they will be drawn
    renderer = fig.canvas.get_renderer()
    costs = []
    for place in _LEGEND_PLACES:
        legend.set_loc(place)
        costs.append(_legend_cost(ax, legend.get_window_extent(renderer), keep_clear, renderer))
    legend.set_loc(_LEGEND_PLACES[costs.index(min(costs))])


def empty_note(ax: Any, text: str) -> None:
    """Say so in the middle of the axes: an empty plot must not look like a broken one."""
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)


def epoch_axis(ax: Any) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.margins(x=0.03)
    ax.set_xlabel("epoch")
    ax.grid(True, alpha=0.3)


def apply_log_scale(ax: Any, values: list[float], log: bool | None) -> bool:
    use = wants_log_scale(values) if log is None else log
    if use:
        finite = [v for v in values if math.isfinite(v)]
        if finite and min(finite) <= 0:
            ax.set_yscale("symlog", linthresh=1e-6)
        else:
            ax.set_yscale("log")
            _plain_log_labels(ax, values)
    return use


def _plain_log_labels(ax: Any, values: list[float]) -> None:
    """Tick labels as plain numbers (0.03, not 3 x 10^-2); minor ticks at 2 and 5 are labelled
    only when the losses span few decades, so labels never crowd."""
    from matplotlib.ticker import FuncFormatter

    pos = _finite_positive(values)
    few_decades = bool(pos) and math.log10(max(pos) / min(pos)) <= 2

    def minor(v: float, _pos: Any) -> str:
        if v <= 0 or not few_decades:
            return ""
        mantissa = round(v / 10 ** math.floor(math.log10(v)), 6)
        return f"{v:g}" if mantissa in (2.0, 5.0) else ""

    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
    ax.yaxis.set_minor_formatter(FuncFormatter(minor))


def loss_figure(history: dict[str, Any], *, log: bool | None = None) -> Figure:
    """Train and validation loss per epoch, the best epoch and the early-stopping point marked."""
    rows = history["epochs"]
    epochs = [row["epoch"] for row in rows]
    train, val = column(rows, "train_loss"), column(rows, "val_loss")
    fig = new_figure()
    ax = fig.add_subplot()
    ax.plot(epochs, train, marker="o", markersize=3, color="tab:blue", label="train loss")
    ax.plot(epochs, val, marker="o", markersize=3, color="tab:orange", label="validation loss")
    marks = _mark_events(ax, history, val, "val loss")
    used_log = apply_log_scale(ax, train + val, log)
    epoch_axis(ax)
    ax.set_ylabel("loss (log scale)" if used_log else "loss")
    ax.set_title(f"{history['model']}: loss per epoch{_status(history)}")
    stop_note(fig, history)
    add_legend(ax, marks)
    return fig


def _status(history: dict[str, Any]) -> str:
    status = history.get("status")
    return f" [{status}]" if status else ""


def _direction(higher: bool | None) -> str:
    return "" if higher is None else (" (higher is better)" if higher else " (lower is better)")


def metric_figure(history: dict[str, Any]) -> Figure:
    """The headline validation metric per epoch (bold) on its own axis; the other validation
    metrics on a second axis below, each saying which way is better. (Drawn on one axis, MAE,
    lower-is-better, sat on an axis named "cosine similarity" under "higher is better".)"""
    from emotrain.models.directions import higher_is_better

    rows = history["epochs"]
    epochs = [row["epoch"] for row in rows]
    headline, others = metric_columns(history)
    fig = new_figure()
    if headline and others:
        ax, low = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    else:
        ax, low = fig.add_subplot(), None
    metric = history.get("metric") or "metric"
    head_values = column(rows, headline) if headline else None
    direction = history.get("higher_is_better")
    if headline:
        ax.plot(epochs, head_values, marker="o", markersize=4, linewidth=2.2,
                color="tab:purple", label=f"validation {pretty(metric)}")  # fmt: skip
        train_key = "train_" + headline[4:]
        if any(train_key in row for row in rows):
            ax.plot(epochs, column(rows, train_key), linestyle="--", color="tab:purple",
                    alpha=0.6, label=f"train {pretty(metric)}")  # fmt: skip
        ax.set_ylabel(pretty(metric))
        ax.set_title(f"{history['model']}: validation {pretty(metric)} per epoch"
                     f"{_direction(direction)}{_status(history)}")  # fmt: skip
    other_ax = low if low is not None else ax
    for key in others:
        arrow = "higher" if higher_is_better(key) else "lower"
        other_ax.plot(epochs, column(rows, key), linewidth=1.2, marker="o", markersize=2.5,
                      label=f"validation {pretty(key[4:])} ({arrow} is better)")  # fmt: skip
    if not headline:
        ax.set_ylabel("metric value" if others else "")
        ax.set_title(f"{history['model']}: validation metrics per epoch{_status(history)}")
    if not headline and not others:
        empty_note(ax, "no validation metric recorded")
    marks = _mark_events(ax, history, head_values, pretty(metric))
    if low is not None:
        marks_low = _mark_events(low, history)
        low.set_ylabel(pretty(others[0][4:]) if len(others) == 1 else "value")
        low.set_title("other validation metrics (each says which way is better)",
                      fontsize="medium")  # fmt: skip
        epoch_axis(low)
        ax.set_xlabel("")
        ax.grid(True, alpha=0.3)
    else:
        epoch_axis(ax)
    stop_note(fig, history)
    if headline or others:
        add_legend(ax, marks)
    if low is not None:
        add_legend(low, marks_low)
    return fig


def figure_png(fig: Figure) -> bytes:
    """Render to PNG bytes in memory (then the caller writes them atomically)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def plot_history(
    history: dict[str, Any], plots_dir: Path, *, log: bool | None = None
) -> list[Path]:
    """Write `<name>_loss.png` and `<name>_metric.png` into `plots_dir`; returns the paths written.

    A history without a completed epoch has nothing to draw: nothing is written (the trainer may
    call this after an interrupt in the first epoch).
    """
    model = history.get("model") if isinstance(history, dict) else None
    validate_history(history, f"of {model}" if isinstance(model, str) else "given to plot_history")
    if not history["epochs"]:
        return []
    name = history["model"]
    plots_dir = Path(plots_dir)
    written = []
    for suffix, fig in (
        ("loss", loss_figure(history, log=log)),
        ("metric", metric_figure(history)),
    ):
        written.append(atomic_write_bytes(plots_dir / f"{name}_{suffix}.png", figure_png(fig)))
    return written
