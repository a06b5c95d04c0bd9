"""RTNeural JSON export: convert, check against PyTorch, write atomically; or refuse, write nothing.

The plugin loads each network with `RTNeural::json_parser::parseJson` and silently falls back to
heuristics when anything goes wrong, so a bad export would be invisible to the musician. Hence every
export here is verified before it is written (the bytes that will be written are run through the
reference interpreter and compared with PyTorch), and the file carries an "emotrain" block that
RTNeural ignores: what the vectors mean, where the weights came from, and test vectors a plugin's
own unit test can replay.

Entry points: `export_model` (a model with `rtneural_layers()`, e.g. PluginNetwork; what training
calls), `export_layers` (an explicit `(module, activation)` list) and `export_checkpoint` (what
`emotrain export-rtneural` calls).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from emotrain.errors import ExportError
from emotrain.export.block import (
    FORMAT,
    FORMAT_VERSION,
    USAGE,
    checkpoint_metadata,
    emotrain_block,
)
from emotrain.export.fold import folded_layers, input_statistics
from emotrain.export.layouts import LayerList, layer_entries, parameters_of
from emotrain.export.verify import InputStats, TorchReference, random_sequence, verify_export
from emotrain.export.writer import render
from emotrain.io import atomic_write_bytes
from emotrain.tolerance import DEFAULT_TOLERANCE, check_tolerance

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "TEST_VECTOR_FRAMES",
    "USAGE",
    "ExportResult",
    "checkpoint_metadata",
    "export_checkpoint",
    "export_layers",
    "export_model",
]

TEST_VECTOR_FRAMES = 8


@dataclass(frozen=True)
class ExportResult:
    path: Path
    name: str
    n_layers: int  # entries in the file's "layers"
    bytes: int
    parameters: int
    max_abs_error: float | None  # float32 interpreter vs PyTorch; None when not verified
    max_abs_error_float64: float | None
    unchanged: bool = False  # the file already held exactly these bytes
    source: Path | None = None
    note: str = ""
    report: dict | None = None  # the "export" block: cost and denormal audit (export/cost.py)
    companions: tuple[Path, ...] = ()  # <name>.h and <name>.golden/ files written beside it


def _compose(block: dict, in_features: int, layers_text: str) -> str:
    return (
        '{\n  "emotrain": ' + render(block, "  ", "emotrain") + ",\n"
        f'  "in_shape": [null, {in_features}],\n'
        '  "layers": ' + layers_text + "\n}\n"
    )


def _same_network(old: bytes, new_text: str) -> bool:
    try:
        a, b = json.loads(old), json.loads(new_text)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return False
    keys = ("in_shape", "layers")
    return isinstance(a, dict) and all(a.get(k) == b.get(k) for k in keys)


def _export(
    layers: LayerList,
    in_features: int,
    path: Path,
    *,
    name: str,
    reference: TorchReference,
    names: Sequence[str] | None,
    metadata: dict | None,
    verify: bool,
    tolerance: float,
    seed: int,
    overwrite: bool,
    source: Path | None = None,
    note: str = "",
    input_stats: InputStats = None,
    layout_reference: TorchReference | None = None,
    test_inputs: np.ndarray | None = None,
    companions: bool = False,
    cpp_weights: bool = False,
    bpm: float = 120.0,
) -> ExportResult:
    from emotrain.export.companions import companion_files, write_files
    from emotrain.export.cost import export_report
    from emotrain.export.lint import lint_document, plain_document

    tolerance = check_tolerance(tolerance, "tolerance")
    path = Path(path)
    if path.is_dir():
        raise ExportError(f"{path} is a folder; give the path of the .json file to write")
    entries, out_features = layer_entries(layers, in_features, names)
    inputs = _test_inputs(test_inputs, in_features, seed, input_stats)
    try:
        outputs = reference(inputs, np.float32)
    except (RuntimeError, ValueError, TypeError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ExportError(
            f"{name}: PyTorch's forward fails on a (1, time, {in_features}) sequence: {first[:200]}"
        ) from exc
    if outputs.shape != (inputs.shape[0], out_features):
        raise ExportError(
            f"{name}: the model's forward gives {outputs.shape[-1]} outputs per frame but its "
            f"export order ends with {out_features}; the layer list does not describe the model"
        )
    if not np.isfinite(outputs).all():
        raise ExportError(f"{name}: PyTorch's own outputs are not finite; nothing to export")
    block = emotrain_block(name, in_features, out_features, metadata)
    plain = plain_document(in_features, entries)
    lint_document(plain, name)  # both RTNeural loaders must take it exactly as written
    block["export"] = export_report(plain, name, bpm)
    block["verification"] = None
    block["test_vectors"] = {
        "about": "inputs are consecutive frames after reset(); outputs are PyTorch's for them",
        "inputs_from": "validation frames"
        if test_inputs is not None
        else "random, on the "
        + ("training inputs' scale" if input_stats is not None else "N(0, 1) scale"),
        "inputs": inputs,
        "outputs": outputs,
    }
    layers_text = render(entries, "  ", "layers")
    text = _compose(block, in_features, layers_text)
    check = None
    if verify:
        check = verify_export(
            text,
            reference,
            tolerance=tolerance,
            seed=seed,
            name=name,
            input_stats=input_stats,
            layout_reference=layout_reference,
        )
        block["verification"] = check.to_dict()
        text = _compose(block, in_features, layers_text)
    data = text.encode("utf-8")
    # the C++ companions are made before anything is written: a refusal writes nothing
    extra = companion_files(data, name, path.stem, cpp_weights=cpp_weights) if companions else {}
    unchanged = path.is_file() and path.read_bytes() == data
    if (
        path.exists()
        and not unchanged
        and not overwrite
        and not _same_network(path.read_bytes(), text)
    ):
        raise ExportError(
            f"{path} already holds a different network; nothing was written (replace it with "
            "--overwrite)"
        )
    if not unchanged:
        atomic_write_bytes(path, data)
    written = tuple(write_files(path.parent, extra))
    return ExportResult(
        path=path,
        name=name,
        n_layers=len(entries),
        bytes=len(data),
        parameters=parameters_of(layers),
        max_abs_error=check.max_abs_error if check else None,
        max_abs_error_float64=check.max_abs_error_float64 if check else None,
        unchanged=unchanged,
        source=source,
        note=note,
        report=block["export"],
        companions=written,
    )


def _test_inputs(
    given: np.ndarray | None, in_features: int, seed: int, stats: InputStats
) -> np.ndarray:
    """Real frames when the caller has them (a run's validation split), else seeded random frames
    on the model's input scale."""
    if given is None:
        return random_sequence(seed + 1, TEST_VECTOR_FRAMES, in_features, stats)
    frames = np.asarray(given, dtype=np.float32).reshape(-1, in_features)[:TEST_VECTOR_FRAMES]
    if frames.shape[0] == 0 or not np.isfinite(frames).all():
        raise ExportError("test inputs must be finite frames of the model's input size")
    return frames


def export_layers(
    layers: LayerList,
    in_features: int,
    path: Path,
    *,
    name: str | None = None,
    metadata: dict | None = None,
    verify: bool = True,
    tolerance: float = DEFAULT_TOLERANCE,
    seed: int = 0,
    overwrite: bool = True,
    **cpp: Any,
) -> ExportResult:
    """Export an explicit export order: `(module, activation)` pairs run one after another.

    PyTorch's reference runs each module over the sequence (Linear on the last axis, LSTM/GRU from a
    zero state, Conv1d causally, BatchNorm1d over features) followed by its activation.
    """
    pairs = list(layers)
    return _export(
        pairs,
        in_features,
        Path(path),
        name=name or Path(path).stem,
        reference=TorchReference(layers=pairs),
        names=None,
        metadata=metadata,
        verify=verify,
        tolerance=tolerance,
        seed=seed,
        overwrite=overwrite,
        **cpp,
    )


def export_model(
    model: nn.Module,
    path: Path,
    *,
    metadata: dict | None = None,
    verify: bool = True,
    tolerance: float = DEFAULT_TOLERANCE,
    seed: int = 0,
    overwrite: bool = True,
    source: Path | None = None,
    note: str = "",
    test_inputs: np.ndarray | None = None,
    **cpp: Any,
) -> ExportResult:
    """Export a model through its declared `rtneural_layers()`, verified against its own forward().

    The model's forward must take `(batch, time, features)` from a zero state (as PluginNetwork's
    does). A model with an input standardization (`model.normalization`) is exported with it folded
    into the first dense layer, so the file takes the same raw features as `model`; the random
    verification frames are drawn on those features' scale. `test_inputs` (consecutive real frames)
    become the embedded test vectors. `metadata` is merged into the "emotrain" block. `cpp`:
    `companions=True` writes <name>.h and <name>.golden/ beside the file, `cpp_weights=True` puts
    the weights in the header, `bpm` sets the melody's rate in the cost report. Raises
    ExportError, writing nothing, when the model cannot be exported or the file does not compute
    what the model computes.
    """
    if not callable(getattr(model, "rtneural_layers", None)):
        raise ExportError(
            f"{type(model).__name__} declares no export order (rtneural_layers()); "
            "use export_layers() with an explicit layer list"
        )
    declared = list(model.rtneural_layers())
    qualname = {id(m): n for n, m in model.named_modules()}
    names = [qualname.get(id(m), "") for m, _ in declared]
    pairs = folded_layers(model, declared)
    stats = input_statistics(model)
    if stats is not None:
        metadata = {
            **dict(metadata or {}),
            "input_standardization": "folded into the first dense layer (W' = W/std, "
            "b' = b - W' mean, with the training split's per-feature mean and std): the file "
            "takes raw features",
        }
    in_features = getattr(model, "in_features", None)
    if not isinstance(in_features, int):
        raise ExportError(f"{type(model).__name__} has no integer in_features")
    return _export(
        pairs,
        in_features,
        Path(path),
        name=getattr(model, "model_name", None) or Path(path).stem,
        reference=TorchReference(model=model),
        names=names,
        metadata=metadata,
        verify=verify,
        tolerance=tolerance,
        seed=seed,
        overwrite=overwrite,
        source=source,
        note=note,
        input_stats=None if stats is None else (stats[0].numpy(), stats[1].numpy()),
        layout_reference=None if stats is None else TorchReference(layers=pairs),
        test_inputs=test_inputs,
        **cpp,
    )


def export_checkpoint(
    checkpoint_path: Path,
    output_dir: Path,
    *,
    verify: bool = True,
    tolerance: float = DEFAULT_TOLERANCE,
    overwrite: bool = False,
    seed: int = 0,
    note: str = "",
    allow_untrained: bool = False,
    **cpp: Any,
) -> ExportResult:
    """Export a checkpoint (emotrain's or the original scripts') to `output_dir/<name>.json`.

    Unlike `export_model`, it refuses by default to replace an existing file holding a different
    network (`overwrite=True` allows it); writing the same network again is always fine. A
    checkpoint that never finished an epoch is refused unless `allow_untrained`.
    """
    from emotrain.runs.checkpoint import Checkpoint
    from emotrain.training.checkpoint import load_checkpoint_model
    from emotrain.training.readiness import check_trained

    path = Path(checkpoint_path)
    ckpt, spec, model = load_checkpoint_model(path)
    untrained = check_trained(ckpt, path, allow_untrained=allow_untrained)
    if untrained:
        note = f"{untrained}; {note}" if note else untrained
    frames = Checkpoint.from_dict(ckpt).validation_frames
    test_inputs = None
    if (
        isinstance(frames, torch.Tensor)
        and frames.ndim == 2
        and frames.shape[1] == spec.in_features
    ):
        test_inputs = frames.detach().cpu().double().numpy()
    return export_model(
        model.eval(),
        Path(output_dir) / f"{spec.name}.json",
        metadata=checkpoint_metadata(ckpt, path),
        verify=verify,
        tolerance=tolerance,
        seed=seed,
        overwrite=overwrite,
        source=path,
        note=note,
        test_inputs=test_inputs,
        **cpp,
    )
