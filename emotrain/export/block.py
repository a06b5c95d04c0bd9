"""The exported file's "emotrain" block: what its vectors mean and where its weights came from.

RTNeural ignores the block; a plugin's unit test, the registry's lineage and `evaluate` read it.
rtneural.py writes it beside the layers, after verifying them.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import torch

from emotrain._version import __version__
from emotrain.errors import ExportError
from emotrain.io import sha256_file
from emotrain.models.catalog import AUDIO_FEATURES, SPECS
from emotrain.plugin.wiring import AUDIO_READERS

FORMAT = "emotrain-rtneural"
FORMAT_VERSION = 1
USAGE = (
    "call reset() once, then forward() once per frame; recurrent and convolution state carries over"
)


def jsonable(value: Any, where: str) -> Any:
    """Metadata as plain JSON values; a non-finite number (e.g. a diverged metric) becomes null."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, np.generic):
        return jsonable(value.item(), where)
    if isinstance(value, torch.Tensor):
        if value.numel() > 10_000:
            raise ExportError(f"metadata {where}: a tensor of {value.numel()} values is too big")
        return jsonable(value.detach().cpu().tolist(), where)
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v, f"{where}[{i}]") for i, v in enumerate(value)]
    raise ExportError(f"metadata {where}: cannot store a {type(value).__name__} in JSON")


def _spec(name: str):
    return next((s for s in SPECS if s.name == name), None)


def emotrain_block(name: str, in_features: int, out_features: int, metadata: dict | None) -> dict:
    spec = _spec(name)
    block: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "model": name,
        "emotrain_version": __version__,
        "input": {"size": in_features, "meaning": spec.input_meaning if spec else None},
        "output": {"size": out_features, "meaning": spec.output_meaning if spec else None},
        "feature_recipe": AUDIO_FEATURES if name in AUDIO_READERS else None,
        "usage": USAGE,
        "source_checkpoint": None,
        "data_fingerprint": None,
        "val_metrics": None,
    }
    block.update(jsonable(dict(metadata or {}), "emotrain"))
    return block


def checkpoint_metadata(ckpt: dict[str, Any], path: Path) -> dict[str, Any]:
    """The provenance part of the "emotrain" block, from a loaded checkpoint and its file."""
    from emotrain.runs.checkpoint import Checkpoint

    c = Checkpoint.from_dict(ckpt)
    return {
        "source_checkpoint": {
            "file": Path(path).name,
            "sha256": sha256_file(path),
            "written_by": c.written_by,
            "emotrain_version": c.emotrain_version,
            "epoch": c.epoch,
        },
        "best_epoch": c.best_epoch,
        "training_data": c.data_description,
        "data_fingerprint": c.data_fingerprint,
        "val_metrics": c.best_figures(),
    }
