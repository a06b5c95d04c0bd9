"""The study's pictures, made to be read: the metric's own name on every axis, integer ticks for
integer parameters, and a caveat where there are too few trials to say much.

Optuna's parallel-coordinate figure drew the worst trial white on a grey background, let the
lines run through the tick labels and gave integer parameters ticks like 9.25, so that one is
drawn here; the optimization history and the importances are Optuna's with their axis names
and titles corrected (`readable`). matplotlib is imported only when a figure is drawn.
"""

from __future__ import annotations

import math
from typing import Any

#: Fewer finished trials than this make the importances a rough guide, and the figure says so.
FEW_TRIALS = 10
#: The lines' colormap, cut before its palest colors so the worst trial still shows on white.
_CMAP, _CMAP_TOP = "viridis", 0.85


def _better(direction: str | None) -> str:
    if direction is None:
        return ""
    return " (lower is better)" if direction.startswith("min") else " (higher is better)"


def _axis(values: list[Any], distribution: Any) -> tuple[Any, list[tuple[float, str]]]:
    """(value -> position in [0, 1], [(position, tick label)]) for one parameter or the metric."""
    from matplotlib.ticker import MaxNLocator

    kind = type(distribution).__name__ if distribution is not None else "Float"
    if kind.startswith("Categorical"):
        choices = list(distribution.choices)
        spread = max(1, len(choices) - 1)

        def place(v: Any) -> float:
            return choices.index(v) / spread if len(choices) > 1 else 0.5

        return place, [(place(c), str(c)) for c in choices]
    log = bool(getattr(distribution, "log", False))
    integer = kind.startswith("Int")
    low = getattr(distribution, "low", min(values))
    high = getattr(distribution, "high", max(values))
    f = math.log10 if log else float
    lo, hi = f(low), f(high)

    def place(v: Any) -> float:
        return 0.5 if hi == lo else (f(v) - lo) / (hi - lo)

    if log:
        ticks = [10.0**k for k in range(math.ceil(lo), math.floor(hi) + 1)]
        if len(ticks) < 2:
            ticks = [low, high]
        labels = [f"{t:.2g}" for t in ticks]
    else:
        ticks = [t for t in MaxNLocator(nbins=5, integer=integer).tick_values(low, high)
                 if low - 1e-12 <= t <= high + 1e-12] or [low]  # fmt: skip
        labels = [f"{t:.0f}" if integer else f"{t:.3g}" for t in ticks]
    return place, [(place(t), lab) for t, lab in zip(ticks, labels, strict=True)]


def parallel_coordinate_figure(study: Any, metric: str, direction: str | None) -> Any:
    """One line per finished trial through the metric and every parameter; darker is better,
    the best trial drawn last and thickest; tick labels on a white ground, above the lines.
    Drawn in matplotlib's default style (Optuna's figures switch the process to ggplot's grey)."""
    from matplotlib import style

    with style.context("default"):
        return _parallel_coordinate(study, metric, direction)


def _parallel_coordinate(study: Any, metric: str, direction: str | None) -> Any:
    from matplotlib import colormaps
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import ListedColormap, Normalize
    from matplotlib.figure import Figure
    from optuna.trial import TrialState

    trials = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
              if t.values and t.value is not None and math.isfinite(t.value)]  # fmt: skip
    if not trials:
        raise ValueError("no finished trial to draw yet")
    params = sorted({p for t in trials for p in t.params})
    names = [metric, *params]
    fig = Figure(figsize=(max(9.0, 1.5 * len(names)), 6), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    values = [float(t.value) for t in trials]
    scales = [_axis(values, None)]
    for p in params:
        dist = next(t.distributions[p] for t in trials if p in t.distributions)
        scales.append(_axis([t.params[p] for t in trials if p in t.params], dist))
    base = colormaps[_CMAP]
    cmap = ListedColormap(base([i / 255 * _CMAP_TOP for i in range(256)]))
    minimize = direction is None or direction.startswith("min")
    low, high = min(values), max(values)
    norm = Normalize(vmin=low, vmax=high if high > low else low + 1)
    # worst first, best last (on top): with minimize, high values are worst
    order = sorted(trials, key=lambda t: t.value, reverse=minimize)
    for rank, t in enumerate(order):
        ys = [scales[0][0](t.value)]
        xs = [0]
        for i, p in enumerate(params, start=1):
            if p in t.params:
                xs.append(i)
                ys.append(scales[i][0](t.params[p]))
        shade = norm(t.value) if minimize else 1 - norm(t.value)
        best = rank == len(order) - 1
        ax.plot(xs, ys, color=cmap(shade), linewidth=2.6 if best else 1.3,
                alpha=1.0 if best else 0.85, zorder=3 if best else 2)  # fmt: skip
    for i, (_, ticks) in enumerate(scales):
        ax.plot([i, i], [0, 1], color="0.25", linewidth=1.0, zorder=1)
        for y, label in ticks:
            ax.plot([i - 0.02, i], [y, y], color="0.25", linewidth=1.0, zorder=1)
            text = ax.text(i - 0.03, y, label, ha="right", va="center", fontsize=8, zorder=5,
                           bbox={"boxstyle": "square,pad=0.15", "facecolor": "white",
                                 "edgecolor": "none", "alpha": 0.9})  # fmt: skip
            text.set_gid(f"tick:{names[i]}")
    ax.set_xlim(-0.45, len(names) - 0.7)
    ax.set_ylim(-0.04, 1.04)
    ax.set_yticks([])
    ax.set_xticks(range(len(names)), names)
    for label in ax.get_xticklabels():
        label.set_rotation(30)
        label.set_horizontalalignment("right")
        label.set_fontsize(9)
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_facecolor("white")
    bar = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap if minimize else cmap.reversed()),
                       ax=ax, pad=0.01)  # fmt: skip
    bar.set_label(f"{metric}{_better(direction)}")
    ax.set_title(f"Parallel coordinates: {len(trials)} finished trials, coloured by {metric} "
                 "(darker is better; the best is thickest)")  # fmt: skip
    return fig


def name_the_metric(name: str, ax: Any, metric: str, direction: str | None,
                    finished: int | None) -> None:  # fmt: skip
    """Optuna's "Objective Value" becomes the metric's name; few trials get a caveat."""
    fig = ax.figure
    for text in fig.findobj(lambda a: hasattr(a, "get_text") and hasattr(a, "set_text")):
        words = text.get_text()
        if "Objective Value" in words or words == "Best Value":
            words = words.replace("Objective Value", metric)
            text.set_text(f"best {metric} so far" if words == "Best Value" else words)
    if name == "optimization_history":
        ax.set_ylabel(f"{metric}{_better(direction)}")
        ax.set_title(f"Optimization history: {metric} per trial{_better(direction)}")
    elif name == "param_importances":
        ax.set_xlabel(f"importance for {metric}")
        title = f"Hyperparameter importances for {metric}"
        if finished is not None and finished < FEW_TRIALS:
            title += (f"\nfrom only {finished} finished trial{'s' if finished != 1 else ''}: a "
                      f"rough guide ({FEW_TRIALS} or more say more)")  # fmt: skip
        ax.set_title(title, loc="left")
