"""The legend stays inside the axes (so inside the figure, off the y axis) whatever the run was."""

from __future__ import annotations

import pytest
from histories import make_history

from emotrain.plotting import compare_loss_figure, loss_figure, metric_figure

LONG_REASON = "no improvement of val_loss by more than 0 for 3 epochs (best 0.0039784 at epoch 27)"


def _long_run():
    return make_history(n=60) | {"stopped_epoch": None, "stop_reason": None, "status": "finished"}


def _early_stopped():
    return make_history(n=30) | {"best_epoch": 27, "stop_reason": LONG_REASON}


def _one_epoch():
    return make_history(n=1) | {"best_epoch": 1, "stopped_epoch": None, "status": "finished"}


def _inside(inner, outer) -> bool:
    return (
        inner.x0 >= outer.x0 - 0.5
        and inner.y0 >= outer.y0 - 0.5
        and inner.x1 <= outer.x1 + 0.5
        and inner.y1 <= outer.y1 + 0.5
    )


def _notes(fig) -> list:
    return fig.findobj(lambda artist: artist.get_gid() == "stop-note")


def _assert_legend_inside(fig) -> None:
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    legend = ax.get_legend()
    assert legend is not None
    box = legend.get_window_extent(renderer)
    assert _inside(box, fig.bbox), f"legend {box} leaves the figure {fig.bbox}"
    assert _inside(box, ax.get_window_extent(renderer)), "legend covers the axis labels"
    for text in fig.texts + _notes(fig):
        assert _inside(text.get_window_extent(renderer), fig.bbox), text.get_text()


@pytest.mark.parametrize("history", [_long_run, _early_stopped, _one_epoch])
@pytest.mark.parametrize("draw", [loss_figure, metric_figure])
def test_legend_lies_inside_the_axes(history, draw):
    _assert_legend_inside(draw(history()))


def test_long_stop_reason_is_a_footnote_not_a_legend_entry():
    fig = loss_figure(_early_stopped())
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "stopped at epoch 30" in labels
    assert all(len(label) <= 40 for label in labels)
    (note,) = (text.get_text().replace("\n", " ") for text in _notes(fig))
    assert note == f"stopped at epoch 30: {LONG_REASON}"


def test_run_labels_are_shortened_in_the_middle_in_comparisons():
    long_name = "runs/" + "a-very-long-experiment-name-" * 4 + "final"
    fig = compare_loss_figure([(long_name, _early_stopped()), ("runs/b", _one_epoch())])
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels[0].startswith("runs/a-very") and labels[0].endswith("final: validation")
    assert "…" in labels[0] and len(labels[0]) == 40
    assert "runs/b: train" in labels
    _assert_legend_inside(fig)
