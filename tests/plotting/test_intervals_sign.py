"""The interval picture says what the comparison table says: the plotted point is B - A."""

from __future__ import annotations

from emotrain.plotting.intervals import intervals_figure


def _row(figure: str, diff: float, lo: float, hi: float, higher: bool, verdict: str) -> dict:
    return {"figure": figure, "diff": diff, "ci_low": lo, "ci_high": hi, "margin": 0.001,
            "higher_is_better": higher, "verdict": verdict}  # fmt: skip


def _plotted(fig) -> list[tuple[float, float, float]]:
    """(point, low, high) of each row's error bar, as drawn."""
    drawn = []
    for ax in fig.axes:
        (bar,) = ax.containers  # the one error bar of the row
        point = float(bar.lines[0].get_xdata()[0])
        (seg,) = bar.lines[2][0].get_segments()
        drawn.append((point, float(min(seg[:, 0])), float(max(seg[:, 0]))))
    return drawn


def test_worse_mse_is_drawn_at_its_table_value_not_mirrored():
    report = {
        "model": "groovepredictor",
        "verdict": "worse",
        "figures": [
            _row("mse", 0.063, 0.04, 0.09, False, "worse"),
            _row("ccc", -0.1, -0.2, -0.05, True, "worse"),
        ],
    }
    (mse, ccc) = _plotted(intervals_figure(report))
    assert mse == (0.063, 0.04, 0.09)
    assert ccc == (-0.1, -0.2, -0.05)
    fig = intervals_figure(report)
    assert "B - A" in fig.axes[-1].get_xlabel()
    assert "mirrored" not in fig.axes[-1].get_xlabel()
    # each row says which side of zero means "B better"
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any("B better" in t and "←" in t for t in texts)  # mse: lower is better, left
    texts = [t.get_text() for t in fig.axes[1].texts]
    assert any("B better" in t and "→" in t for t in texts)  # ccc: higher is better, right
