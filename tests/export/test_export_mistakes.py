"""The export mistakes that still load in RTNeural, each of which the check must catch.

Each case takes a correct export and rewrites its JSON into what a naive exporter would write; the
result has the right shapes, loads, and computes something else. `verify_export` must refuse it.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from torch import nn

from emotrain.errors import ExportError
from emotrain.export.rtneural import export_layers
from emotrain.export.verify import TorchReference, measure, verify_export


def _export(tmp_path, layers, in_features):
    path = tmp_path / "good.json"
    export_layers(layers, in_features, path)
    return json.loads(path.read_text()), TorchReference(layers=layers)


def _untransposed_kernel(doc):
    kernel = np.asarray(doc["layers"][0]["weights"][0])
    doc["layers"][0]["weights"][0] = kernel.T.tolist()  # PyTorch's (out, in) written as is


def _unsummed_lstm_bias(doc, lstm: nn.LSTM):
    doc["layers"][0]["weights"][2] = lstm.bias_ih_l0.detach().tolist()  # bias_hh_l0 forgotten


def _gru_without_reorder(doc):
    w, u, b = doc["layers"][0]["weights"]
    h = len(u)

    def pytorch_order(rows):  # (z, r, n) back to PyTorch's (r, z, n)
        a = np.asarray(rows)
        return np.concatenate([a[..., h : 2 * h], a[..., :h], a[..., 2 * h :]], axis=-1).tolist()

    doc["layers"][0]["weights"] = [pytorch_order(w), pytorch_order(u), pytorch_order(b)]


def _flipped_conv_kernel(doc):
    kernel = doc["layers"][0]["weights"][0]
    doc["layers"][0]["weights"][0] = kernel[::-1]


CASES = {
    "untransposed square dense kernel": ([(nn.Linear(8, 8), "tanh")], 8, _untransposed_kernel),
    "LSTM bias not summed": ([(nn.LSTM(4, 6, batch_first=True), "")], 4, None),
    "GRU gates in PyTorch order": ([(nn.GRU(4, 6, batch_first=True), "")], 4, _gru_without_reorder),
    "flipped conv1d kernel": ([(nn.Conv1d(4, 3, 3), "")], 4, _flipped_conv_kernel),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_mistake_that_still_loads_is_caught(tmp_path, case):
    layers, in_features, mutate = CASES[case]
    doc, reference = _export(tmp_path, layers, in_features)
    assert measure(doc, reference).passed  # the correct file passes
    if mutate is None:
        _unsummed_lstm_bias(doc, layers[0][0])
    else:
        mutate(doc)
    text = json.dumps(doc)
    result = measure(text, reference)
    assert result.max_abs_error > 1e-3, result  # far above rounding, caught at any sane tolerance
    with pytest.raises(ExportError, match="does not compute what PyTorch computes"):
        verify_export(text, reference, tolerance=1e-5)


def test_stale_test_vectors_are_caught(tmp_path):
    doc, reference = _export(tmp_path, [(nn.Linear(3, 2), "")], 3)
    doc["emotrain"]["test_vectors"]["outputs"][0][0] += 0.01
    with pytest.raises(ExportError, match="stored test outputs"):
        verify_export(json.dumps(doc), reference)


def test_a_wrong_activation_is_caught(tmp_path):
    doc, reference = _export(tmp_path, [(nn.Linear(3, 4), "sigmoid")], 3)
    doc["layers"][0]["activation"] = "tanh"
    with pytest.raises(ExportError, match="does not compute"):
        verify_export(json.dumps(doc), reference)


def test_a_missing_layer_is_caught(tmp_path):
    doc, reference = _export(tmp_path, [(nn.Linear(3, 3), "tanh"), (nn.Linear(3, 3), "")], 3)
    del doc["layers"][1]
    with pytest.raises(ExportError, match="does not compute"):
        verify_export(json.dumps(doc), reference)
