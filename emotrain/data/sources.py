"""Pick the data source for a model from the run's data configuration."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from emotrain.data.base import SequenceData
from emotrain.models.spec import ModelSpec

if TYPE_CHECKING:  # a type only: config.py validates with data/, not the reverse
    from emotrain.config import DataConfig
    from emotrain.data.cache import ProgressFn


def load_data(
    spec: ModelSpec,
    data: DataConfig,
    seed: int,
    *,
    output_dir: Path | None = None,
    progress: ProgressFn | None = None,
) -> SequenceData:
    if data.kind == "synthetic":
        from emotrain.data.synthetic import make_synthetic

        return make_synthetic(spec, data.samples, data.seq_len, seed)
    from emotrain.data.corpus import load_corpus

    return load_corpus(spec, data, seed, output_dir=output_dir, progress=progress)
