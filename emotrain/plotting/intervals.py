"""The picture of a comparison: each figure's B - A with its interval, beside its margin.

Figures live on different scales (an MSE of 0.002 against an accuracy of 0.9), so each gets its
own row and axis. Every point is drawn at the B - A the table prints (never mirrored, so picture
and table agree), and each row says on which side of zero B is better: a reader sees at a glance
which bars clear zero, and which sit inside the shaded equivalence band.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from emotrain.io import atomic_write_bytes
from emotrain.plotting.figures import figure_png

_COLOURS = {"better": "tab:green", "worse": "tab:red", "equivalent": "tab:blue"}


def intervals_figure(report: dict[str, Any]) -> Any:
    from matplotlib.figure import Figure

    rows = [
        r for r in report["figures"] if r.get("ci_low") is not None and r.get("ci_high") is not None
    ]
    fig = Figure(figsize=(7, 0.9 + 0.8 * max(1, len(rows))), dpi=100, layout="constrained")
    axes = fig.subplots(max(1, len(rows)), 1, squeeze=False)[:, 0]
    for ax, row in zip(axes, rows, strict=False):
        lo, hi = sorted((row["ci_low"], row["ci_high"]))
        point = row["diff"]
        colour = _COLOURS.get(row["verdict"], "tab:gray")
        ax.axvspan(-row["margin"], row["margin"], color="0.9", zorder=0)
        ax.axvline(0, color="0.4", linewidth=0.8)
        ax.errorbar([point], [0], xerr=[[point - lo], [hi - point]], fmt="o", color=colour,
                    capsize=4)  # fmt: skip
        ax.set_yticks([])
        width = max(abs(lo), abs(hi), row["margin"], 1e-12) * 1.3
        ax.set_xlim(-width, width)
        ax.set_title(f"{row['figure']}: {row['verdict']}", fontsize=9, loc="left")
        higher = row["higher_is_better"]
        ax.text(0.99 if higher else 0.01, 0.9, "B better →" if higher else "← B better",
                transform=ax.transAxes, ha="right" if higher else "left", va="top",
                fontsize=8, color="tab:green")  # fmt: skip
    axes[-1].set_xlabel("B - A, as in the table (shaded: equivalence margin)")
    fig.suptitle(f"{report['model']}: {report['verdict']}", fontsize=11)
    return fig


def plot_intervals(report: dict[str, Any], path: Path) -> Path:
    return atomic_write_bytes(path, figure_png(intervals_figure(report)))
