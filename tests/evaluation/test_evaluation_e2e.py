"""train -> evaluate -> plot on a real tiny run: the report reproduces training's own validation."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.image as mpimg
import pytest

from emotrain.cli import main
from emotrain.evaluation import REPORT_FILE
from emotrain.plotting import load_history, loss_figure, metric_figure


def best_row(history: dict) -> dict:
    return next(r for r in history["epochs"] if r["epoch"] == history["best_epoch"])


def test_train_evaluate_plot(tiny_run: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "eval"
    capsys.readouterr()
    assert (
        main(
            [
                "evaluate",
                "--checkpoint-dir",
                str(tiny_run),
                "-o",
                str(out),
                "--json",
                "--device",
                "cpu",
            ]
        )
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert report == json.loads((out / REPORT_FILE).read_text())
    assert list(report["models"]) == ["melodytransformer", "groovepredictor"]

    for name, entry in report["models"].items():
        history = load_history(tiny_run / "history" / f"{name}_history.json")
        row = best_row(history)
        assert entry["checkpoint_kind"] == "best"
        # the synthetic groove teacher is said to teach no music; the melody's has no note
        assert [n.split(":")[0] for n in entry["notes"]] == (
            ["synthetic"] if name == "groovepredictor" else []
        )
        assert entry["epoch"] == history["best_epoch"]
        # The same weights on the same validation frames: training's own figures come back.
        assert entry["metrics"][entry["loss"]] == pytest.approx(history["best_val_loss"], rel=1e-4)
        metric = history["metric"]
        assert entry["metrics"][metric] == pytest.approx(row[f"val_{metric}"], rel=1e-5, abs=1e-9)

    assert main(["plot", str(tiny_run), "-o", str(tmp_path / "plots")]) == 0
    for name in report["models"]:
        history = load_history(tiny_run / "history" / f"{name}_history.json")
        img = mpimg.imread(tmp_path / "plots" / f"{name}_metric.png")
        assert img.shape[:2] == (500, 800)
        val = [
            ln
            for ln in loss_figure(history).axes[0].get_lines()
            if ln.get_label() == "validation loss"
        ]
        assert list(val[0].get_ydata()) == pytest.approx([r["val_loss"] for r in history["epochs"]])
        labels = [ln.get_label() for ln in metric_figure(history).axes[0].get_lines()]
        assert f"validation {history['metric'].replace('_', ' ')}" in labels  # melody too
