"""Checkpoints: safe to load, atomic to write, readable across versions and from the old scripts.

A checkpoint is a plain dict of tensors and Python scalars, so `torch.load(weights_only=True)` reads
all of it and a file carrying a pickled object that would run code is refused. What its keys are,
and how an old scripts' file reads, is `emotrain.runs.checkpoint.Checkpoint` alone; this module
reads and writes the file, and fits the old scripts' weights (`load_weights`).

Weights (`model_state_dict`) are kept apart from the run state (optimizer, scheduler, early stopping,
RNG, history); `epoch` counts completed epochs, so a resumed run starts at `epoch + 1`.
"""

from __future__ import annotations

import io
import pickle
import zipfile
from pathlib import Path
from typing import Any

import torch

from emotrain.errors import CheckpointError
from emotrain.io import atomic_torch_save, atomic_write_bytes
from emotrain.models.catalog import SPECS, model_of_file_name
from emotrain.models.layers import layer_from_dict, layer_to_dict
from emotrain.models.spec import ModelSpec
from emotrain.runs.checkpoint import FORMAT, FORMAT_VERSION, Checkpoint

__all__ = ["FORMAT", "FORMAT_VERSION", "Checkpoint", "load_checkpoint", "read_checkpoint"]


def serialize(payload: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    return buffer.getvalue()


def save_checkpoint(path: Path, payload: dict[str, Any], *, data: bytes | None = None) -> Path:
    """Write atomically; `data` is `payload` already serialised, when one epoch writes two files."""
    if data is None:
        return atomic_torch_save(path, payload)
    return atomic_write_bytes(path, data)


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a checkpoint with `weights_only=True`; every failure is one line naming the file."""
    p = Path(path)
    if not p.exists():
        raise CheckpointError(f"checkpoint not found: {p}")
    if p.is_dir():
        raise CheckpointError(f"expected a checkpoint file, got a folder: {p}")
    try:
        obj = torch.load(p, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        text = str(exc)
        if "GLOBAL" in text:  # a reference to code (a class or function) that weights_only blocks
            import re

            # Only the object's name: torch's advice (add_safe_globals) would tell the user to
            # trust the file, which is exactly what this refusal is for.
            found = re.search(r"GLOBAL\s+([\w.]+)", text)
            what = f" ({found.group(1)})" if found else ""
            raise CheckpointError(
                f"refusing to load {p}: it holds objects that are not plain tensors or values"
                f"{what}, and loading it could run code; emotrain only reads checkpoints of "
                "plain tensors and values"
            ) from exc
        raise CheckpointError(
            f"cannot read checkpoint {p}: not a PyTorch checkpoint, or truncated or corrupt"
        ) from exc
    except (
        RuntimeError, EOFError, OSError, ValueError, KeyError, IndexError, TypeError,
        AttributeError, zipfile.BadZipFile,
    ) as exc:  # fmt: skip
        raise CheckpointError(
            f"cannot read checkpoint {p}: not a PyTorch checkpoint, or truncated or corrupt "
            f"({type(exc).__name__})"
        ) from exc
    if not isinstance(obj, dict) or not Checkpoint.from_dict(obj).has_weights:
        raise CheckpointError(
            f"{p} is not an emotrain checkpoint: expected a dict with 'model_state_dict'"
        )
    return obj


def read_checkpoint(path: str | Path) -> Checkpoint:
    """`load_checkpoint`, its keys named."""
    return Checkpoint.from_dict(load_checkpoint(path))


def spec_for_checkpoint(ckpt: dict[str, Any], path: str | Path = "") -> ModelSpec:
    """The model a checkpoint belongs to, by its recorded name (old or new spelling)."""
    named = Checkpoint.from_dict(ckpt)
    raw, name = str(named.model_name).strip(), named.model()
    if name is None:
        allowed = ", ".join(s.name for s in SPECS)
        raise CheckpointError(
            f"{path}: checkpoint names model {raw!r}, which is none of the plugin's networks ({allowed})"
        )
    return next(s for s in SPECS if s.name == name)


def architecture_of(ckpt: dict[str, Any], spec: ModelSpec) -> tuple:
    arch = Checkpoint.from_dict(ckpt).architecture
    if not arch:
        return spec.layers
    return tuple(layer_from_dict(d) for d in arch)


def _remap_by_order(
    model: torch.nn.Module, state: dict[str, torch.Tensor]
) -> dict[str, torch.Tensor]:
    """Match an old state dict to ours by parameter order and shape (the old scripts named layers
    differently, but declared the same layers in the same order)."""
    ours = list(model.state_dict().items())
    theirs = [(k, v) for k, v in state.items() if torch.is_tensor(v) and v.is_floating_point()]
    if len(ours) != len(theirs):
        raise ValueError(f"{len(theirs)} tensors in the checkpoint, {len(ours)} in the model")
    out = {}
    for (k, v), (k2, v2) in zip(ours, theirs, strict=True):
        if tuple(v.shape) != tuple(v2.shape):
            raise ValueError(
                f"{k2} has shape {tuple(v2.shape)}, the model's {k} needs {tuple(v.shape)}"
            )
        out[k] = v2
    return out


def load_weights(
    model: torch.nn.Module, state: dict[str, torch.Tensor], path: str | Path = ""
) -> None:
    """Load weights exactly; on a key mismatch try the old scripts' layout; else say what differs."""
    own = model.state_dict()
    if set(own) == set(state):
        bad = [k for k in own if tuple(own[k].shape) != tuple(state[k].shape)]
        if bad:
            k = bad[0]
            raise CheckpointError(
                f"{path}: checkpoint is of another architecture: {k} has shape "
                f"{tuple(state[k].shape)}, this {getattr(model, 'model_name', 'model')} needs "
                f"{tuple(own[k].shape)}"
            )
        model.load_state_dict(state)
        return
    try:
        model.load_state_dict(_remap_by_order(model, state))
    except ValueError as exc:
        raise CheckpointError(
            f"{path}: checkpoint weights do not fit {getattr(model, 'model_name', 'the model')}: {exc}"
        ) from exc


def load_checkpoint_model(path: str | Path) -> tuple[dict[str, Any], ModelSpec, Any]:
    """The checkpoint, its model spec and the network with its weights (train mode, on CPU).

    One place for what evaluate, export and `load_model` all need, including the checks that turn a
    malformed file into a one-line CheckpointError instead of a traceback.
    """
    from emotrain.models.network import PluginNetwork

    ckpt = load_checkpoint(path)
    spec = spec_for_checkpoint(ckpt, path)
    claimed = model_of_file_name(Path(path).name)
    if claimed is not None and claimed != spec.name:  # what the file holds wins, and is said
        raise CheckpointError(
            f"{path}: its name says {claimed}, but it holds a {spec.name} checkpoint (by its "
            f"recorded model name and architecture); rename it to {spec.name}_best.pt or point "
            "at the right file"
        )
    try:
        layers = architecture_of(ckpt, spec)
        model = PluginNetwork(spec.name, layers)
    except (ValueError, TypeError, KeyError) as exc:
        raise CheckpointError(f"{path}: unreadable 'architecture' entry ({exc})") from exc
    if tuple(layers) != tuple(spec.layers):  # the plugin loads only the contract's shapes
        raise CheckpointError(
            f"{path}: its recorded architecture is not the {spec.name} the plugin loads "
            f"({len(layers)} layers recorded, {len(spec.layers)} expected, or other sizes)"
        )
    state = Checkpoint.from_dict(ckpt).model_state_dict
    if not isinstance(state, dict):
        raise CheckpointError(f"{path}: 'model_state_dict' is not a dict of tensors")
    load_weights(model, state, path)
    load_normalization(model, ckpt, path)
    return ckpt, spec, model


def load_normalization(model: Any, ckpt: dict[str, Any], path: str | Path = "") -> None:
    """The input statistics a checkpoint recorded; none (old runs, the original scripts) is the
    identity, which is what those models were trained on."""
    from emotrain.models.normalization import CHECKPOINT_KEY

    try:
        model.normalization.load_checkpoint_entry(Checkpoint.from_dict(ckpt).normalization)
    except (ValueError, TypeError, RuntimeError) as exc:
        raise CheckpointError(f"{path}: unreadable '{CHECKPOINT_KEY}' entry ({exc})") from exc


def load_model(path: str | Path, *, device: str = "cpu"):
    """The trained network of a checkpoint, in eval mode, taking RAW `(batch, time, in_features)`
    (its input standardization is inside it, as it is folded into the exported JSON)."""
    _, _, model = load_checkpoint_model(path)
    return model.to(device).eval()


def architecture_dicts(spec_layers: tuple) -> list[dict[str, Any]]:
    return [layer_to_dict(layer) for layer in spec_layers]
