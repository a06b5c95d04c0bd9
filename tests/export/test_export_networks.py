"""All five plugin networks export through their declared order and verify against PyTorch."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from emotrain.export.rtneural import export_model
from emotrain.models.catalog import MODEL_NAMES, get_spec
from emotrain.plugin.reference import ReferenceModel

EXPECTED_TYPES = {
    "emotionrecognizer": ["dense", "dense", "lstm", "dense"],
    "melodytransformer": ["dense", "lstm", "dense", "dense"],
    "harmonypredictor": ["dense", "dense", "dense"],
    "dynamicsengine": ["dense", "dense", "dense"],
    "groovepredictor": ["dense", "dense", "dense"],
}


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_network_exports_and_verifies(tmp_path, name):
    spec = get_spec(name)
    torch.manual_seed(11)
    model = spec.build()
    path = tmp_path / f"{name}.json"
    result = export_model(model, path, metadata={"data_fingerprint": "abc123"})
    print(f"{name}: max abs error {result.max_abs_error:.3g} (float32), "
          f"{result.max_abs_error_float64:.3g} (float64), {result.bytes:,} bytes")  # fmt: skip
    assert result.max_abs_error < 1e-6
    assert result.max_abs_error_float64 < 1e-7
    assert result.parameters == spec.parameters
    assert result.bytes == path.stat().st_size

    doc = json.loads(path.read_text())
    assert doc["in_shape"] == [None, spec.in_features]
    assert [e["type"] for e in doc["layers"]] == EXPECTED_TYPES[name]
    assert [e["activation"] for e in doc["layers"] if e["type"] == "dense"] == [
        layer.activation for layer in spec.layers if layer.kind == "dense"
    ]
    block = doc["emotrain"]
    assert block["model"] == name
    assert block["input"] == {"size": spec.in_features, "meaning": spec.input_meaning}
    assert block["output"] == {"size": spec.out_features, "meaning": spec.output_meaning}
    assert block["data_fingerprint"] == "abc123"  # metadata is merged in
    assert (block["feature_recipe"] is not None) == (
        name in ("emotionrecognizer", "harmonypredictor")
    )
    assert block["verification"]["max_abs_error_float32"] == result.max_abs_error

    # A plugin's unit test: reset(), feed the stored inputs, compare with the stored outputs.
    inputs = np.asarray(block["test_vectors"]["inputs"], np.float32)
    outputs = np.asarray(block["test_vectors"]["outputs"], np.float32)
    assert inputs.shape == (8, spec.in_features) and outputs.shape == (8, spec.out_features)
    assert np.abs(ReferenceModel(path).run(inputs) - outputs).max() < 1e-6
    with torch.no_grad():
        expected = model(torch.from_numpy(inputs).unsqueeze(0)).squeeze(0).numpy()
    assert np.array_equal(outputs, expected)


def test_export_is_deterministic_and_leaves_the_model_alone(tmp_path):
    model = get_spec("groove").build().train()
    first = export_model(model, tmp_path / "a.json", seed=3)
    second = export_model(model, tmp_path / "a.json", seed=3)
    assert second.unchanged and not first.unchanged
    assert model.training  # export worked on a private eval-mode copy
    other = export_model(model, tmp_path / "b.json", seed=4)
    assert other.bytes > 0
    a, b = (json.loads((tmp_path / f).read_text()) for f in ("a.json", "b.json"))
    assert a["layers"] == b["layers"]  # the seed only changes the check and the test vectors
    assert a["emotrain"]["test_vectors"] != b["emotrain"]["test_vectors"]


def test_without_verification_nothing_is_measured(tmp_path):
    result = export_model(get_spec("dynamics").build(), tmp_path / "d.json", verify=False)
    assert result.max_abs_error is None
    assert json.loads((tmp_path / "d.json").read_text())["emotrain"]["verification"] is None
