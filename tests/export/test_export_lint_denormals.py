"""The strict RTNeural lint (mutation tests: each mutation refused in one line, at export and at
`registry add`) and the denormal audit (a crafted network that decays into subnormals is caught;
a normal one is not)."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
import torch
from torch import nn

from emotrain.errors import ExportError
from emotrain.export.cost import denormal_audit
from emotrain.export.lint import cpp_layers, lint_document
from emotrain.export.rtneural import export_layers, export_model
from emotrain.models.catalog import get_spec


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """dense 4->8 tanh, lstm 8->6, dense 6->3 sigmoid: every kind of entry the plugin uses."""
    torch.manual_seed(3)
    path = tmp_path_factory.mktemp("lint") / "net.json"
    export_layers([(nn.Linear(4, 8), "tanh"), (nn.LSTM(8, 6, batch_first=True), ""),
                   (nn.Linear(6, 3), "sigmoid")], 4, path)  # fmt: skip
    return json.loads(path.read_text())


def _drop_layer(doc):
    del doc["layers"][1]


def _hidden_size(doc):  # the LSTM's shape says 5, its weights say 6
    doc["layers"][1]["shape"] = [None, 5]


def _hidden_size_everywhere(doc):  # a consistent LSTM of 5 whose next dense still reads 6
    w, u, b = (np.asarray(x) for x in doc["layers"][1]["weights"])
    keep = np.concatenate([np.arange(k * 6, k * 6 + 5) for k in range(4)])
    doc["layers"][1]["weights"] = [w[:, keep].tolist(), u[:5][:, keep].tolist(), b[keep].tolist()]
    doc["layers"][1]["shape"] = [None, 5]


def _rename_activation(doc):
    doc["layers"][0]["activation"] = "Tanh"


def _unknown_type(doc):
    doc["layers"][2]["type"] = "Dense"


def _activation_on_lstm(doc):
    doc["layers"][1]["activation"] = "tanh"


def _empty_activation_entry(doc):
    doc["layers"].insert(2, {"type": "activation", "activation": "", "shape": [None, 6],
                             "weights": []})  # fmt: skip


def _kernel_only_dense(doc):
    doc["layers"][2]["weights"] = doc["layers"][2]["weights"][:1]


def _four_entry_in_shape(doc):
    doc["in_shape"] = [None, None, 2, 2]


MUTATIONS = {
    _drop_layer: "layers[1] (dense) kernel: shape [6, 3], the compile-time type needs [8, 3]",
    _hidden_size: "layers[1] (lstm) W: shape [8, 24], the compile-time type needs [8, 20]",
    _hidden_size_everywhere: "layers[2] (dense) kernel: shape [6, 3]",
    _rename_activation: "activation 'Tanh' would crash",
    _unknown_type: "would skip this layer type silently",
    _activation_on_lstm: "ignored by both loaders",
    _empty_activation_entry: "takes a template slot",
    _kernel_only_dense: "1 weight arrays, both loaders read exactly 2",
    _four_entry_in_shape: "in_shape",
}


@pytest.mark.parametrize("mutate", list(MUTATIONS), ids=lambda f: f.__name__.strip("_"))
def test_each_mutation_is_refused_in_one_line(small, mutate):
    assert len(cpp_layers(small)) == 5  # dense, tanh, lstm, dense, sigmoid
    doc = copy.deepcopy(small)
    mutate(doc)
    with pytest.raises(ExportError) as info:
        lint_document(doc, "net")
    message = str(info.value)
    assert MUTATIONS[mutate] in message and "\n" not in message
    assert message.startswith("net: RTNeural lint: ")


def test_a_network_of_the_wrong_size_for_the_plugin_is_refused(tmp_path):
    torch.manual_seed(0)
    path = tmp_path / "groovepredictor.json"
    export_model(get_spec("groove").build().eval(), path)
    doc = json.loads(path.read_text())
    del doc["layers"][-1]  # a whole dense layer dropped: still a consistent chain, 64 -> 64
    with pytest.raises(ExportError, match="computes 64 -> 64, the plugin feeds and reads 64 -> 32"):
        lint_document(doc, "groovepredictor")


def test_export_refuses_what_the_lint_refuses_and_writes_nothing(cli, tmp_path, monkeypatch):
    from emotrain.export import rtneural
    from tests.export.test_export_cli import _emotrain_checkpoint

    real = rtneural.layer_entries

    def renamed(*args, **kwargs):
        entries, out = real(*args, **kwargs)
        entries[0]["activation"] = "Tanh"
        return entries, out

    monkeypatch.setattr(rtneural, "layer_entries", renamed)
    ckpt = _emotrain_checkpoint(tmp_path / "groovepredictor_best.pt", "groove")
    result = cli("export-rtneural", ckpt, "-o", tmp_path / "out")
    assert result.code == 1
    assert result.err.strip().count("\n") == 0 and "would crash" in result.err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_registry_add_refuses_a_mutated_file_in_one_line(cli, tmp_path):
    torch.manual_seed(0)
    path = tmp_path / "groovepredictor.json"
    export_model(get_spec("groove").build().eval(), path)
    doc = json.loads(path.read_text())
    doc["layers"][1]["type"] = "Dense"
    path.write_text(json.dumps(doc))
    result = cli("registry", "add", path, "--registry", tmp_path / "reg")
    assert result.code == 1 and "would skip this layer type" in result.err
    assert result.err.strip().count("\n") == 0


# ---- denormals ----------------------------------------------------------------------------------


def _lstm_doc(forget_bias: float) -> dict:
    """LSTM 1->1: g = tanh(10 x), input gate 1/2, forget gate sigmoid(forget_bias), output ~1;
    after the input has faded, the cell decays by the forget gate each call."""
    return {"in_shape": [None, 1], "layers": [
        {"type": "lstm", "activation": "", "shape": [None, 1],
         "weights": [[[0.0, 0.0, 10.0, 0.0]], [[0.0, 0.0, 0.0, 0.0]],
                     [0.0, forget_bias, 0.0, 10.0]]},
        {"type": "dense", "activation": "tanh", "shape": [None, 1],
         "weights": [[[1.0]], [0.5]]},
    ]}  # fmt: skip


def test_denormal_audit_catches_a_stalled_decaying_lstm():
    audit = denormal_audit(_lstm_doc(0.0), "net")  # the cell halves every call once input stops
    assert audit["subnormals_found"] and "flush-to-zero" in audit["advice"]
    pause = audit["streams"]["pause after sound"]  # the live set's case: sound, then a pause
    assert pause["subnormal_inputs"] == 0 and pause["subnormal_layer_outputs"] > 0
    assert audit["streams"]["decaying"]["subnormal_layer_outputs"] > 0
    assert audit["streams"]["silence"]["subnormal_layer_outputs"] == 0  # zeros stay zeros


def test_denormal_audit_finds_none_in_a_normal_network():
    doc = _lstm_doc(0.0)
    doc["layers"][0]["weights"][2] = [0.5, 0.0, 0.3, 10.0]  # the cell input never fades to zero
    audit = denormal_audit(doc, "net")
    assert not audit["subnormals_found"], audit
    assert "none" in audit["advice"]
    assert audit["streams"]["decaying"]["subnormal_inputs"] > 0  # the fade itself went subnormal


# ---- the command ---------------------------------------------------------------------------------


def test_command_writes_header_golden_and_cost(cli, tmp_path):
    from tests.export.cpp_exports import VALIDATION_FRAMES
    from tests.export.test_export_cli import _emotrain_checkpoint

    frames = torch.from_numpy(VALIDATION_FRAMES)
    emotion = _emotrain_checkpoint(tmp_path / "run" / "emotionrecognizer_best.pt", "emotion",
                                   validation_frames=frames)  # fmt: skip
    result = cli("export-rtneural", emotion, "-o", tmp_path / "out")
    assert result.code == 0, result.err
    assert "401,408 multiply-adds, 403,264 parameters, 1,024 bytes of state" in result.out
    assert "43.07 calls/s (frames, 22050/512 Hz)" in result.out
    ours = [
        ln
        for ln in result.out.splitlines()
        if any(w in ln for w in ("per call", "calls/s", "denormals", "C++"))
    ]
    assert len(ours) == 4 and all(len(line) <= 80 for line in ours)
    meta = json.loads((tmp_path / "out" / "emotionrecognizer.golden" / "golden.json").read_text())
    assert meta["inputs_from"].startswith("real validation frames")
    assert "static constexpr" not in (tmp_path / "out" / "emotionrecognizer.h").read_text()

    groove = _emotrain_checkpoint(tmp_path / "small" / "groovepredictor_best.pt", "groove")
    _emotrain_checkpoint(tmp_path / "small" / "dynamicsengine_best.pt", "dynamics")
    weights = cli("export-rtneural", groove, "-o", tmp_path / "out", "--cpp-weights")
    assert weights.code == 0, weights.err
    assert "inline void loadWeights" in (tmp_path / "out" / "groovepredictor.h").read_text()
    table = cli("export-rtneural", tmp_path / "small", "-o", tmp_path / "out", "--tempo", "90")
    assert table.code == 0 and "network" in table.out and "denormals" in table.out

    bad = cli("export-rtneural", groove, "-o", tmp_path / "x", "--tempo", "10")
    assert bad.code == 2 and "--tempo" in bad.err and len(bad.err_lines) == 1
    assert not (tmp_path / "x").exists()


def test_cpp_weights_for_a_layer_without_arrays_is_refused_before_writing(tmp_path):
    layers = [(nn.Conv1d(3, 4, 2), ""), (nn.Linear(4, 2), "")]
    with pytest.raises(ExportError, match="--cpp-weights: layers\\[0\\] is a Conv1DT"):
        export_layers(layers, 3, tmp_path / "net.json", companions=True, cpp_weights=True)
    assert list(tmp_path.iterdir()) == []
