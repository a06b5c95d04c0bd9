"""What a person sees while training: the progress row and summary table at 80 and 120 columns,
and the plain log saying where early stopping happened."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from rich.console import Console

from emotrain.cli.run_ui import summary_table
from emotrain.training.progress import RichReporter

BAR = "━"


def _progress_row(width: int) -> str:
    """The progress row as rich lays it out at `width`, mid-epoch with every field filled in."""
    console = Console(file=io.StringIO(), force_terminal=True, width=width, record=True)
    reporter = RichReporter(console)
    reporter.data_progress("[emotionrecognizer] extracting audio features", 3, 3)
    reporter.model_started("emotionrecognizer", start_epoch=0, epochs=100, batches=250,
                           n_train=2000, n_val=300, description="folder corpus")  # fmt: skip
    reporter.epoch_started(12)
    for _ in range(100):
        reporter.batch_done(0.0512345)
    row = {"train_loss": 0.05123456, "val_loss": 0.0498765, "samples_per_s": 12345.6}
    reporter.epoch_done("emotionrecognizer", row, epochs=100, best=0.0487654, patience_left=7,
                        metric="cosine_similarity")  # fmt: skip
    reporter.close()
    console.export_text(clear=True)
    console.print(reporter.progress.get_renderable())
    return console.export_text().rstrip("\n")


@pytest.mark.parametrize("width", [80, 120])
def test_progress_row_fits_with_the_bar_and_the_full_model_name(width):
    text = _progress_row(width)
    assert text.count("\n") == 0, text  # one row: the finished data step is no longer a row
    assert len(text) <= width
    assert text.startswith("emotionrecognizer epoch 12/100 ")
    assert text.count(BAR) >= 10, text  # the bar never vanishes
    assert "…" not in text
    assert "loss 0.05123" in text and "val 0.04988 best 0.04877" in text


def test_progress_drops_the_least_important_fields_first_at_80_columns():
    narrow, wide = _progress_row(80), _progress_row(120)
    for field in ("patience 7", "12346 samples/s"):
        assert field not in narrow and field in wide
    assert "100/250" in wide


def test_a_dropped_field_hides_every_less_important_one():
    text = _progress_row(50)
    assert text.count(BAR) >= 10 and "loss" not in text
    assert "100/250" not in text  # it would fit, but ranks below the dropped loss


def _results():
    row = SimpleNamespace
    return [
        row(name="emotionrecognizer", status="early_stopped", best_epoch=27,
            best_val_loss=0.0039784, val_metrics={"cosine_similarity": 0.912, "mae": 0.1},
            export_error=1.3e-7, export_failure=None),
        row(name="melodytransformer", status="finished", best_epoch=100, best_val_loss=0.1234,
            val_metrics={"note_f1": 0.5, "note_precision": 0.6, "note_recall": 0.4},
            export_error=None, export_failure=None),
    ]  # fmt: skip


@pytest.mark.parametrize("width", [80, 120])
def test_summary_table_wraps_instead_of_cutting_names(width):
    console = Console(file=io.StringIO(), width=width, record=True)
    table = summary_table(_results(), "runs/a-rather-long-output-folder/of/the/user", width)
    console.print(table)
    text = console.export_text()
    assert "…" not in text
    assert all(len(line) <= width for line in text.splitlines())
    for word in ("emotionrecognizer", "melodytransformer", "early_stopped", "0.0039784", "1.3e-07"):
        assert word in text, (word, text)
    if width >= 120:  # room for whole headers and metrics; at 80 they wrap inside their column
        assert "cosine_similarity 0.912" in text and "note_precision 0.6" in text
        assert "best val loss" in text and "export max err" in text


def test_plain_log_says_early_stopped_on_that_epochs_line(tmp_path, cli, monkeypatch):
    import emotrain.training.model_trainer as mt

    scripted = iter([1.0, 0.5, 0.7, 0.8, 0.9])
    real_validate = mt.ModelTrainer.validate

    def validate(self):
        return next(scripted), real_validate(self)[1]

    monkeypatch.setattr(mt.ModelTrainer, "validate", validate)
    result = cli("train", "-m", "groove", "--epochs", "10", "--early-stopping-patience", "2",
                 "-o", tmp_path / "run", "--samples", "24", "--seq-len", "4", "--batch-size", "8",
                 "--device", "cpu")  # fmt: skip
    assert result.code == 0, result.err
    lines = [ln for ln in result.out.splitlines() if ln.startswith("[groovepredictor] epoch")]
    assert len(lines) == 4
    assert all("early stopped" not in ln for ln in lines[:3])
    assert lines[3].startswith("[groovepredictor] epoch 4/10 ")
    assert "; early stopped: no improvement" in lines[3] and "at epoch 2" in lines[3]
