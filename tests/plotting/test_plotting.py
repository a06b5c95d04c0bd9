"""plot_history and friends: real PNGs on disk whose curves are the history's numbers."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.image as mpimg
import pytest
from histories import make_history

from emotrain.errors import DataError
from emotrain.plotting import (
    DPI,
    FIGSIZE,
    compare_loss_figure,
    load_history,
    loss_figure,
    metric_figure,
    plot_comparison,
    plot_history,
    wants_log_scale,
)


def line_by_label(fig, label: str):
    lines = [ln for ax in fig.axes for ln in ax.get_lines()]
    found = [ln for ln in lines if ln.get_label() == label]
    assert found, f"no line labelled {label!r}: {[ln.get_label() for ln in lines]}"
    return found[0]


def test_plot_history_writes_real_pngs(tmp_path: Path) -> None:
    history = make_history()
    paths = plot_history(history, tmp_path / "plots")
    assert [p.name for p in paths] == ["groovepredictor_loss.png", "groovepredictor_metric.png"]
    for p in paths:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        img = mpimg.imread(p)
        assert img.shape[:2] == (int(FIGSIZE[1] * DPI), int(FIGSIZE[0] * DPI))
        assert img[..., :3].std() > 0.05  # not a blank canvas
    assert not list((tmp_path / "plots").glob(".*tmp"))  # atomic writes leave no temp files


def test_loss_figure_curves_are_the_history(tmp_path: Path) -> None:
    history = make_history()
    fig = loss_figure(history)
    ax = fig.axes[0]
    train = line_by_label(fig, "train loss")
    val = line_by_label(fig, "validation loss")
    assert list(train.get_xdata()) == [1, 2, 3, 4, 5, 6]
    assert list(train.get_ydata()) == pytest.approx([r["train_loss"] for r in history["epochs"]])
    assert list(val.get_ydata()) == pytest.approx([r["val_loss"] for r in history["epochs"]])
    labels = [ln.get_label() for ln in ax.get_lines()]
    assert any(lbl.startswith("best epoch 3") for lbl in labels)
    assert any(lbl.startswith("stopped at epoch 6") for lbl in labels)
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel().startswith("loss")
    assert "groovepredictor" in ax.get_title()
    assert ax.get_legend() is not None
    assert ax.get_yscale() == "linear"


def test_metric_figure_has_headline_metric() -> None:
    history = make_history("melodytransformer", metric="note_f1")
    history["higher_is_better"] = True
    fig = metric_figure(history)
    head = line_by_label(fig, "validation note f1")
    assert list(head.get_ydata()) == pytest.approx([r["val_note_f1"] for r in history["epochs"]])
    line_by_label(fig, "validation mse (lower is better)")
    assert "higher is better" in fig.axes[0].get_title()


def test_log_scale_auto_and_forced() -> None:
    wide = make_history()
    for i, row in enumerate(wide["epochs"]):
        row["train_loss"] = 10.0 ** (-i)
    assert wants_log_scale([1.0, 0.001])
    assert not wants_log_scale([1.0, 0.5])
    assert not wants_log_scale([1.0, 0.0001, -0.1])
    assert loss_figure(wide).axes[0].get_yscale() == "log"
    assert loss_figure(wide, log=False).axes[0].get_yscale() == "linear"
    assert loss_figure(make_history(), log=True).axes[0].get_yscale() == "log"


def test_null_values_and_no_stop(tmp_path: Path) -> None:
    history = make_history()
    history["stopped_epoch"] = None
    history["epochs"][4]["val_loss"] = None  # a diverged epoch's NaN is stored as null
    fig = loss_figure(history)
    labels = [ln.get_label() for ln in fig.axes[0].get_lines()]
    assert not any(lbl.startswith("stopped") for lbl in labels)
    assert len(plot_history(history, tmp_path)) == 2


def test_empty_history_draws_nothing(tmp_path: Path) -> None:
    history = make_history()
    history["epochs"] = []
    assert plot_history(history, tmp_path) == []
    assert list(tmp_path.iterdir()) == []


def test_load_history_roundtrip_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "groovepredictor_history.json"
    path.write_text(json.dumps(make_history()))
    assert load_history(path)["best_epoch"] == 3
    with pytest.raises(DataError, match="history not found"):
        load_history(tmp_path / "missing.json")
    path.write_text('{"model": "groove", "epochs": [')
    with pytest.raises(DataError, match="not valid JSON"):
        load_history(path)
    bad = make_history()
    del bad["epochs"][1]["val_loss"]
    path.write_text(json.dumps(bad))
    with pytest.raises(DataError, match="epoch row 2 has no numeric 'val_loss'"):
        load_history(path)
    path.write_text(json.dumps([1, 2]))
    with pytest.raises(DataError, match="expected a JSON object"):
        load_history(path)


def test_comparison_one_color_per_run(tmp_path: Path) -> None:
    runs = [("run-a", make_history()), ("run-b", make_history(n=4, scale=2.0))]
    fig = compare_loss_figure(runs)
    a = line_by_label(fig, "run-a: validation")
    b = line_by_label(fig, "run-b: validation")
    assert a.get_color() != b.get_color()
    assert list(b.get_ydata()) == pytest.approx([r["val_loss"] for r in runs[1][1]["epochs"]])
    paths = plot_comparison(runs, tmp_path / "cmp")
    assert [p.name for p in paths] == ["groovepredictor_loss.png", "groovepredictor_metric.png"]
    assert mpimg.imread(paths[0]).shape[0] == int(FIGSIZE[1] * DPI)
