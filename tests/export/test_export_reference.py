"""The reference interpreter streams: one frame per forward(), state kept until reset()."""

from __future__ import annotations

import json

import numpy as np
import pytest
from torch import nn

from emotrain.errors import ExportError
from emotrain.export.rtneural import export_layers
from emotrain.export.verify import TorchReference, measure
from emotrain.plugin.reference import ReferenceModel


@pytest.fixture
def stateful(tmp_path):
    layers = [
        (nn.Conv1d(3, 4, 2, dilation=2), "tanh"),
        (nn.GRU(4, 5, batch_first=True), ""),
        (nn.LSTM(5, 4, batch_first=True), ""),
        (nn.Linear(4, 2), ""),
    ]
    path = tmp_path / "stateful.json"
    export_layers(layers, 3, path)
    seq = np.random.default_rng(5).standard_normal((30, 3)).astype(np.float32)
    return ReferenceModel(path), TorchReference(layers=layers), seq


def test_one_forward_per_frame_equals_pytorch_over_the_sequence(stateful):
    model, torch_ref, seq = stateful
    model.reset()
    stepped = np.stack([model.forward(frame) for frame in seq])
    assert np.abs(stepped - torch_ref(seq)).max() < 2e-6


def test_state_carries_over_between_calls_until_reset(stateful):
    model, torch_ref, seq = stateful
    whole = torch_ref(seq)
    first = model.run(seq[:12])
    rest = model.run(seq[12:], reset=False)  # the stream goes on: same as one long sequence
    assert np.abs(np.concatenate([first, rest]) - whole).max() < 2e-6
    fresh = model.run(seq[12:])  # reset(): as if the stream started at frame 12
    assert np.abs(fresh - torch_ref(seq[12:])).max() < 2e-6
    assert np.abs(fresh - rest).max() > 1e-3  # so the state really mattered


def test_reset_restarts_identically(stateful):
    model, _, seq = stateful
    a = model.run(seq)
    model.run(seq[::-1], reset=False)
    b = model.run(seq)
    assert np.array_equal(a, b)


def test_float32_and_float64_interpreters(stateful, tmp_path):
    model, torch_ref, seq = stateful
    model64 = ReferenceModel(tmp_path / "stateful.json", np.float64)
    out32, out64 = model.run(seq), model64.run(seq)
    assert out32.dtype == np.float32 and out64.dtype == np.float64
    assert np.abs(out64 - torch_ref(seq, np.float64)).max() < 1e-7  # LSTM bias sum rounding only
    assert np.abs(out32 - out64).max() < 2e-6


def _doc(layers, in_size=2):
    return {"in_shape": [None, in_size], "layers": layers}


def _dense(i, o, act=""):
    return {"type": "dense", "activation": act, "shape": [None, o], "weights": [
        [[0.5] * o for _ in range(i)], [0.0] * o]}  # fmt: skip


def test_in_shape_reads_only_the_last_entry_or_a_4d_product():
    assert ReferenceModel(_doc([_dense(2, 3)])).in_size == 2
    assert ReferenceModel({"in_shape": [None, None, 2], "layers": [_dense(2, 3)]}).out_size == 3
    four = {"in_shape": [None, 1, 1, 2], "layers": [_dense(2, 3)]}
    assert ReferenceModel(four).in_size == 2


def test_activation_only_where_rtneural_applies_it():
    lstm = {"type": "lstm", "activation": "relu", "shape": [None, 1], "weights": [
        [[0.0] * 4] * 2, [[0.0] * 4], [0.0, 0.0, 5.0, 0.0]]}  # fmt: skip
    out = ReferenceModel(_doc([lstm])).forward([1.0, 1.0])
    expected = 0.5 * np.tanh(0.5 * np.tanh(5.0))  # o=sigmoid(0), c=i*g; "relu" ignored
    assert out[0] == pytest.approx(expected, rel=1e-6)
    relu_entry = {"type": "activation", "activation": "relu", "shape": [None, 2], "weights": []}
    assert ReferenceModel(_doc([relu_entry])).forward([-1.0, 2.0]).tolist() == [0.0, 2.0]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda e: e.update(activation="gelu"), "unknown to RTNeural"),
        (lambda e: e.update(weights=[]), "needs 1 weight array"),  # a kernel alone is enough
        (lambda e: e["weights"][0].pop(), r"shape \[1, 3\]"),
        (lambda e: e["weights"][0][0].append(1.0), "not a rectangular array"),
        (lambda e: e.update(shape=[None, 0]), "positive integer"),
        (lambda e: e.pop("weights"), "needs 'type', 'shape' and 'weights'"),
    ],
)
def test_malformed_files_are_errors_not_garbage(mutate, message):
    entry = _dense(2, 3)
    mutate(entry)
    with pytest.raises(ExportError, match=message):
        ReferenceModel(_doc([entry]))


def test_unknown_types_are_dropped_like_rtneural_and_verification_refuses_them():
    doc = _doc([_dense(2, 3), {"type": "Dense", "shape": [None, 3], "weights": []}])
    model = ReferenceModel(doc)
    assert model.dropped == ["layers[1] type 'Dense'"]
    assert model.out_size == 3
    with pytest.raises(ExportError, match="silently drop"):
        measure(json.dumps(doc), lambda seq, dtype: np.zeros((len(seq), 3), dtype))


def test_frame_of_the_wrong_size_is_an_error():
    with pytest.raises(ExportError, match="3 values"):
        ReferenceModel(_doc([_dense(2, 3)])).forward([1.0, 2.0, 3.0])


def test_not_json_is_an_error():
    with pytest.raises(ExportError, match="not valid JSON"):
        ReferenceModel(b"{nope")


def test_the_check_refuses_text_that_is_not_json():
    with pytest.raises(ExportError, match="not valid JSON"):
        measure("{nope", lambda seq, dtype: seq)
