"""Issue 24: each curve on an axis named for it, titles with the direction and the run status,
legends off the best-epoch line, one name per run in comparisons."""

from __future__ import annotations

import pytest
from histories import make_history

from emotrain.plotting import compare_loss_figure, compare_metric_figure, loss_figure, metric_figure


def _emotion():
    """An emotion run: headline cosine similarity (higher is better) and MAE (lower is better)."""
    history = make_history("emotionrecognizer", n=5, metric="cosine_similarity")
    for i, row in enumerate(history["epochs"]):
        row["val_cosine_similarity"] = 0.1 + 0.1 * i
        row["val_mae"] = 0.5 - 0.05 * i
        row.pop("val_mse")
    return history | {"higher_is_better": True, "status": "finished", "stopped_epoch": None}


def _axis_of(fig, label):
    (ax,) = [ax for ax in fig.axes if any(ln.get_label() == label for ln in ax.get_lines())]
    return ax


def test_mae_is_not_drawn_on_the_cosine_similarity_axis():
    fig = metric_figure(_emotion())
    head = _axis_of(fig, "validation cosine similarity")
    assert head.get_ylabel() == "cosine similarity"
    assert "higher is better" in head.get_title()
    mae = _axis_of(fig, "validation mae (lower is better)")
    assert mae is not head
    assert mae.get_ylabel() == "mae" and "cosine" not in mae.get_ylabel()


@pytest.mark.parametrize("status", ["finished", "interrupted", "early_stopped"])
def test_the_metric_title_carries_the_run_status_like_the_loss_title(status):
    history = _emotion() | {"status": status}
    assert f"[{status}]" in metric_figure(history).axes[0].get_title()
    assert f"[{status}]" in loss_figure(history).axes[0].get_title()


def _interrupted():
    """An interrupted run whose curves leave the legend no free corner: matplotlib's 'best'
    put the legend on its best-epoch line (found by drawing many such runs)."""
    train = [1.0, 0.5, 0.719, 0.66, 0.04, 0.584, 0.143, 0.016, 0.012, 0.01, 0.487, 0.475]
    val = [1.053, 0.58, 1.063, 0.678, 0.04047, 0.784, 0.193, 0.023, 0.015, 0.014, 0.636, 0.497]
    history = make_history(n=12)
    for row, t, v in zip(history["epochs"], train, val, strict=True):
        row["train_loss"], row["val_loss"] = t, v
    return history | {"best_epoch": 5, "best_val_loss": 0.04047, "stopped_epoch": None,
                      "stop_reason": None, "status": "interrupted"}  # fmt: skip


@pytest.mark.parametrize("history", [_interrupted, make_history, _emotion])
@pytest.mark.parametrize("draw", [loss_figure, metric_figure])
def test_the_legend_never_covers_the_best_epoch_line(history, draw):
    fig = draw(history())
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None:
            continue
        box = legend.get_window_extent(renderer)
        for line in ax.get_lines():
            if (
                line.get_label().startswith(("best epoch", "stopped at"))
                or line.get_marker() == "*"
            ):
                assert not box.overlaps(line.get_window_extent(renderer)), line.get_label()


def test_one_run_keeps_one_name_in_a_comparison():
    long_a = "runs/" + "a-very-long-experiment-name-" * 4 + "final"
    long_b = "runs/" + "a-very-long-experiment-name-" * 4 + "other/final"
    runs = [(long_a, make_history()), (long_b, make_history()), ("runs/b", make_history())]
    for fig in (compare_loss_figure(runs), compare_metric_figure(runs)):
        labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
        names = {lbl.rsplit(": ", 1)[0] for lbl in labels}
        assert len(names) == 3, labels  # three runs, three names, each whole in every entry
        assert all(len(lbl) <= 40 for lbl in labels)
