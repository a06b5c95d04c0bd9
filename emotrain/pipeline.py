"""A run from data to the plugin's files: train -> export -> plot, for `train` and `resume` alike.

Training knows how to fit, checkpoint and plot a model; export knows how a checkpoint becomes an
RTNeural file. This module, above both, joins them: it hands training the exporter to call at each
model's end. So `training/` never imports `export/`, and a run killed between its last checkpoint
and its export is finished by `resume` through the same step. The CLI, the Python API and `tune`
call these two functions, not training's directly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def export_best(checkpoint: Path, output_dir: Path, tolerance: float) -> tuple[Path, float | None]:
    """The model's best checkpoint as `<output_dir>/<name>.json`, verified as `export-rtneural`
    verifies it (training.trainer.Exporter)."""
    from emotrain.export.rtneural import export_checkpoint

    result = export_checkpoint(checkpoint, output_dir, overwrite=True, tolerance=tolerance)
    return result.path, result.max_abs_error


def train(config: Any, **options: Any) -> list[Any]:
    """training.trainer.train with the RTNeural export at each model's end: what `emotrain train`
    runs. `options` are that function's (overwrite, reporter, tolerance, loggers, ...)."""
    from emotrain.training.trainer import train as train_models

    return train_models(config, exporter=export_best, **options)


def resume(output: str | Path, **options: Any) -> Any:
    """training.resume.resume with the same export step: what `emotrain resume` runs."""
    from emotrain.training.resume import resume as resume_run

    return resume_run(output, exporter=export_best, **options)
