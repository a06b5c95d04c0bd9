"""train's summary table at 80 and 120 columns: model names, statuses and metric names whole."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest

from emotrain.cli.run_ui import print_summary, summary_table


def _results():
    return [
        SimpleNamespace(name="emotionrecognizer", status="early_stopped", best_epoch=117,
                        best_val_loss=0.0123456789, export_failure=None, export_error=2.4e-7,
                        val_metrics={"valence_ccc": 0.61234, "arousal_ccc": 0.5123,
                                     "quadrant_accuracy": 0.7, "cosine_similarity": 0.9}),
        SimpleNamespace(name="melodytransformer", status="export_failed", best_epoch=3,
                        best_val_loss=0.11254, export_failure="x", export_error=None,
                        val_metrics={"note_precision": 0.09524, "note_recall": 0.025}),
    ]  # fmt: skip


@pytest.mark.parametrize("width", [80, 120])
def test_the_summary_fits_with_names_and_metrics_whole(width):
    from rich.console import Console

    console = Console(record=True, width=width, file=io.StringIO())
    console.print(summary_table(_results(), "/tmp/runs/a", width))
    lines = console.export_text().splitlines()
    assert all(len(line) <= width for line in lines)
    text = "\n".join(lines)
    assert "…" not in text
    words = ["emotionrecognizer", "early_stopped", "melodytransformer", "export_failed",
             "valence_ccc", "quadrant_accuracy", "cosine_similarity", "note_precision", "0.6123",
             "0.09524"]  # fmt: skip
    for word in words:  # whole, on one line
        assert any(f" {word} " in f" {line} " for line in lines), word
    if width >= 120:  # room for each metric and its value on one line
        assert "quadrant_accuracy 0.7" in text and "best epoch" in text


def test_files_in_the_run_lists_run_config_toml(monkeypatch):
    from rich.console import Console

    import emotrain.cli.run_ui as run_ui

    recording = Console(record=True, width=200, file=io.StringIO())
    monkeypatch.setattr(run_ui, "console", lambda: recording)
    print_summary(_results(), "/tmp/runs/a")
    (files,) = [ln for ln in recording.export_text().splitlines() if ln.startswith("Files in")]
    assert "run_config.toml" in files and "run_config.json" in files
