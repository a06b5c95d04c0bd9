"""Training knows no exporter: emotrain.pipeline passes the RTNeural one in (docs/architecture.md)."""

from __future__ import annotations

import json

from emotrain.config import DataConfig, RunConfig, TrainingConfig


def _config(out) -> RunConfig:
    return RunConfig(models=("groovepredictor",), data=DataConfig(samples=24, seq_len=4),
                     training=TrainingConfig(epochs=1, batch_size=8, device="cpu"),
                     output=str(out))  # fmt: skip


def test_training_alone_writes_checkpoints_and_plots_but_no_export(tmp_path):
    from emotrain.training.trainer import train

    out = tmp_path / "run"
    [result] = train(_config(out))
    assert (out / "checkpoints/groovepredictor_best.pt").is_file()
    assert (out / "plots/groovepredictor_loss.png").is_file()
    assert not (out / "groovepredictor.json").exists()
    assert "export" not in result.files and result.export_error is None


def test_the_pipeline_exports_the_best_checkpoint_verified(tmp_path):
    from emotrain.pipeline import train

    out = tmp_path / "run"
    [result] = train(_config(out))
    doc = json.loads((out / "groovepredictor.json").read_text())
    assert doc["layers"] and result.files["export"] == out / "groovepredictor.json"
    assert result.export_error is not None and result.export_error < 1e-5
