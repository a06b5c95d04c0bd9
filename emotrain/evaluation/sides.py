"""The two sides of `emotrain compare`: what A and B are, how each predicts, which data they share.

A side is a checkpoint (run by PyTorch), an exported JSON file, or a registry version (both run by
the reference RTNeural interpreter, so the comparison is of the file that ships, not of the weights
it was made from). Each side keeps what evaluation needs to rebuild its run's validation split.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from emotrain.errors import ConfigError, DataError
from emotrain.evaluation.data import EvalData, ExternalData, choose_data, run_config_of
from emotrain.runs.checkpoint import Checkpoint
from emotrain.runs.paths import RunPaths

#: The bootstrap resamples songs; with fewer than this there is nothing to resample.
MIN_SONGS = 5


@dataclass
class Side:
    label: str  # what the user gave
    kind: str  # "checkpoint", "export" or "registry"
    name: str  # canonical model name
    predict: Callable[[torch.Tensor], torch.Tensor]  # (N, T, in) -> (N, T, out) float64
    feature_recipe: Any = None
    sha256: str | None = None
    ckpt: dict[str, Any] = field(default_factory=dict)  # config/split, for the data choice
    run_dir: Path | None = None
    #: Whole songs in, outputs out, as the plugin streams (evaluation/whole_songs.py).
    streamer: Callable[[list[np.ndarray], bool], list[np.ndarray]] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "given": self.label,
            "kind": self.kind,
            "model": self.name,
            "sha256": self.sha256,
            "run_dir": None if self.run_dir is None else str(self.run_dir),
        }


def _reference_predictor(data: bytes) -> Callable[[torch.Tensor], torch.Tensor]:
    """The plugin's computation: reset(), then one forward() per frame, for each sequence (all
    sequences of a batch side by side: `run_batch`)."""
    from emotrain.plugin.reference import ReferenceModel

    model = ReferenceModel(data, np.float32)

    def predict(inputs: torch.Tensor) -> torch.Tensor:
        x = inputs.detach().cpu().numpy().astype(np.float32)
        if not len(x):
            return torch.zeros((0, 0, 0), dtype=torch.float64)
        out = np.concatenate([model.run_batch(x[i : i + 1024]) for i in range(0, len(x), 1024)])
        return torch.from_numpy(out.astype(np.float64))

    return predict


def _export_side(label: str, kind: str, data: bytes, where: str) -> Side:
    from emotrain.registry.check import check_export
    from emotrain.registry.store import canonical_name, sha256_bytes

    check_export(data, where)  # a verified emotrain export of a plugin network, intact
    block = json.loads(data)["emotrain"]
    from emotrain.evaluation.whole_songs import reference_streamer

    return Side(
        label,
        kind,
        canonical_name(block["model"]),
        _reference_predictor(data),
        block.get("feature_recipe"),
        sha256_bytes(data),
        streamer=reference_streamer(data),
    )


def _run_context(side: Side, config: dict | None, run_dir: str | None, split: str | None) -> None:
    """Give a side its run's configuration and split manifest, when they can still be found."""
    if run_dir and Path(run_dir).is_dir():
        side.run_dir = Path(run_dir)
    named = Checkpoint.from_dict(side.ckpt)
    if isinstance(config, dict) and config:
        named.record(config=config)
    if split and Path(split).is_file() and side.run_dir is None:
        with contextlib.suppress(OSError, json.JSONDecodeError, UnicodeDecodeError):
            named.record(split=json.loads(Path(split).read_text(encoding="utf-8")))
    side.ckpt = named.to_dict()


def _checkpoint_side(label: str, path: Path, batch_size: int, device: str) -> Side:
    from emotrain.evaluation.predict import predict
    from emotrain.evaluation.whole_songs import torch_streamer
    from emotrain.io import sha256_file
    from emotrain.models.catalog import AUDIO_FEATURES
    from emotrain.plugin.wiring import AUDIO_READERS
    from emotrain.runs.paths import run_dir_of_checkpoint
    from emotrain.training.checkpoint import load_checkpoint_model

    ckpt, spec, model = load_checkpoint_model(path)
    model = model.to(device).eval()
    recipe = AUDIO_FEATURES if spec.name in AUDIO_READERS else None
    return Side(
        label,
        "checkpoint",
        spec.name,
        lambda x: predict(model, x, batch_size=batch_size, device=device),
        recipe,
        sha256_file(path),
        ckpt,
        run_dir_of_checkpoint(path),
        torch_streamer(model, device),
    )


def resolve_side(
    text: str, *, registry: Any = None, batch_size: int = 256, device: str = "cpu"
) -> Side:
    """A checkpoint or exported file (a path), else a registry version `NAME@N`/`NAME@ALIAS`."""
    path = Path(text)
    if path.is_file():
        if path.suffix.lower() == ".json":
            side = _export_side(text, "export", path.read_bytes(), str(path))
            if RunPaths(path.parent).run_config.is_file():
                _run_context(side, None, str(path.parent), None)
            return side
        return _checkpoint_side(text, path, batch_size, device)
    if path.exists():
        raise ConfigError(f"{text}: is a folder; give a checkpoint, an exported JSON or NAME@N")
    if "@" not in text:
        raise ConfigError(
            f"{text}: no such checkpoint or exported file, and not a registry version NAME@N"
        )
    from emotrain.registry import registry_dir
    from emotrain.registry.store import Registry

    if isinstance(registry, Registry):
        reg = registry
    else:  # a folder, or None for --registry's default
        reg = Registry(registry_dir(registry), create=False)
    version = reg.get(text)
    side = _export_side(text, "registry", reg.read_object(version), version.ref)
    side.label = f"{text} ({version.ref})" if version.ref != text else text
    lin = version.lineage
    split = (lin.get("split_manifest") or {}).get("file")
    _run_context(side, lin.get("config"), (lin.get("source") or {}).get("run_dir"), split)
    return side


# ---- the data both sides run on -----------------------------------------------------------------


def _recipe_of_data(config: Any) -> tuple:
    data = config.to_dict()["data"] if config is not None else {}
    data.pop("cache_dir", None)
    return json.dumps(data, sort_keys=True), config.training.seed if config else None


def check_pair(a: Side, b: Side) -> None:
    if a.name != b.name:
        raise ConfigError(
            f"A is {a.name} and B is {b.name}: compare two versions of the same network"
        )
    recipes = (a.feature_recipe, b.feature_recipe)
    if None not in recipes and recipes[0] != recipes[1]:
        raise ConfigError(
            f"A and B expect different audio features (feature recipes {recipes[0]!r} and "
            f"{recipes[1]!r}): they cannot run on the same inputs"
        )


def shared_data(
    a: Side,
    b: Side,
    *,
    data: str | Path | None,
    data_format: str,
    seed: int | None,
    cache_dir: str | None,
    output_dir: Path | None,
) -> EvalData:
    """The songs both sides are judged on: `--data`, else the validation split of their run."""
    from emotrain.models.catalog import get_spec

    spec = get_spec(a.name)
    external = None
    if data is not None or data_format != "auto":
        external = ExternalData(None if data is None else str(data), data_format, seed)
    else:
        config_a, config_b = run_config_of(a.ckpt, a.run_dir), run_config_of(b.ckpt, b.run_dir)
        both = config_a is not None and config_b is not None
        if both and _recipe_of_data(config_a) != _recipe_of_data(config_b):
            if config_a.data.kind == "synthetic" and config_b.data.kind == "synthetic":
                raise ConfigError(
                    "A and B were trained on different synthetic data or seeds, so they share "
                    "no validation split; give --data-format synthetic to compare them on the "
                    "same freshly generated items (--seed chooses them)"
                )
            raise ConfigError(
                "A and B were trained on different data or seeds, so they share no "
                "validation split; give --data (and --data-format) to compare them on the "
                "same songs"
            )
        if config_a is None and config_b is not None:
            a, b = b, a  # take the split of the side that has one
    chosen = choose_data(spec, a.ckpt, a.run_dir, external, cache_dir, seed, output_dir)
    songs = len(set(chosen.groups))
    if songs < MIN_SONGS:
        raise DataError(
            f"the data has {songs} song(s) ({chosen.description}); comparing needs at least "
            f"{MIN_SONGS} to resample (give a larger --data)"
        )
    return chosen
