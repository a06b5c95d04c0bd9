"""The check every exported file passes before the registry or `compare` accepts it.

Without PyTorch there is nothing to compare the file with, except what the file says about itself:
its recorded verification must have passed, and the reference interpreter must reproduce the test
vectors stored beside the weights. A hand-edited weight, a truncated array or a file exported with
`--no-verify` is refused.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from emotrain.errors import ConfigError, ExportError
from emotrain.tolerance import DEFAULT_TOLERANCE


def check_export(
    data: bytes, where: str, *, tolerance: float = DEFAULT_TOLERANCE
) -> dict[str, Any]:
    """Refuse (ExportError) an exported file that is not a verified emotrain export of a plugin
    network; return its verification figures, with the replay of its test vectors added."""
    from emotrain.export.verify import stored_test_vectors
    from emotrain.models.catalog import get_spec
    from emotrain.plugin.reference import ReferenceModel, load_document

    doc = load_document(data)
    block = doc.get("emotrain")
    if not isinstance(block, dict) or not isinstance(block.get("model"), str):
        raise ExportError(f"{where}: not an emotrain export (no 'emotrain' block naming its model)")
    try:
        spec = get_spec(block["model"])
    except ConfigError:
        raise ExportError(
            f"{where}: names model {block['model']!r}, none of the plugin's networks"
        ) from None
    from emotrain.export.lint import cpp_layers

    try:  # both RTNeural loaders must take it exactly as written
        cpp_layers(doc, spec.name)
    except ExportError as exc:
        raise ExportError(f"{where}: RTNeural lint: {exc}") from None
    model = ReferenceModel(doc, np.float32)
    if model.dropped:
        raise ExportError(f"{where}: RTNeural would silently drop {', '.join(model.dropped)}")
    if (model.in_size, model.out_size) != (spec.in_features, spec.out_features):
        raise ExportError(
            f"{where}: computes {model.in_size} -> {model.out_size}; {spec.name} must be "
            f"{spec.in_features} -> {spec.out_features}"
        )
    verification = block.get("verification")
    if not isinstance(verification, dict):
        raise ExportError(
            f"{where}: was exported without verification (--no-verify); export it again verified"
        )
    _check_recorded(verification, where)
    vectors = stored_test_vectors(doc)
    if vectors is None:
        raise ExportError(f"{where}: carries no test vectors to check it against")
    inputs, outputs = vectors
    with np.errstate(over="ignore", invalid="ignore"):
        replay = model.run(inputs).astype(np.float64)
        error = float(np.max(np.abs(replay - outputs.astype(np.float64)), initial=0.0))
    bound = _float32_bound(verification, outputs, tolerance)
    if not np.isfinite(error) or error > bound:
        raise ExportError(
            f"{where}: does not reproduce its own test vectors (max abs error {error:.3g} > "
            f"{bound:.3g}, tolerance {tolerance:g} as in export-rtneural): it was changed after "
            "export, or is damaged"
        )
    return {**verification, "replayed_test_vectors_max_abs_error": error}


def _float32_bound(verification: dict[str, Any], outputs: np.ndarray, tolerance: float) -> float:
    """The float32 error `--tolerance` allows, by export-rtneural's rule (relative to the output
    scale, or up to 100x PyTorch's own float32 rounding), so the option means one thing in
    `export-rtneural`, `registry add` and `compare`: a file the export accepted is accepted here."""
    from emotrain.export.verify import Verification

    def number(key: str) -> float:
        value = verification.get(key)
        return float(value) if isinstance(value, (int, float)) and np.isfinite(value) else 0.0

    peak = float(np.max(np.abs(outputs), initial=0.0)) if np.isfinite(outputs).all() else 0.0
    scale = max(1.0, number("output_scale"), peak)
    rule = Verification(0.0, 0.0, tolerance, 0, 0, "", number("torch_float32_error"), scale)
    return rule.float32_bound


def _check_recorded(verification: dict[str, Any], where: str) -> None:
    """Whatever figures the export recorded, none may exceed the bound it recorded (its float32
    and float64 bounds; the tolerance itself for files that recorded no bounds)."""
    if verification.get("passed") is False:
        raise ExportError(f"{where}: its recorded verification failed")
    tolerance = verification.get("tolerance")
    bounds = {
        "max_abs_error_float32": verification.get("float32_bound", tolerance),
        "max_abs_error_float64": verification.get("float64_bound", tolerance),
    }
    for key, value in verification.items():
        bound = bounds.get(key, tolerance)
        if not key.startswith("max_abs_error") or not isinstance(bound, (int, float)):
            continue
        if not isinstance(value, (int, float)) or value > bound:
            raise ExportError(
                f"{where}: its recorded verification failed ({key} {value} > {bound})"
            )
