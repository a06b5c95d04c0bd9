"""Every supported layer type, exported and run through the reference interpreter, against PyTorch.

float32 is what the plugin computes; float64 shows that what is left is arithmetic rounding (the
only exception is the LSTM's summed bias, rounded once to float32: checked separately below).
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

F32 = 2e-6  # a correct export agrees to about 1e-7; a layout mistake is off by 1e-2 or more
F64 = 1e-12


def _randomise_batchnorm(bn: nn.BatchNorm1d) -> nn.BatchNorm1d:
    with torch.no_grad():
        bn.running_mean.uniform_(-1, 1)
        bn.running_var.uniform_(0.5, 2.0)
        if bn.affine:
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.5, 0.5)
    return bn.eval()


def test_dense_kernel_is_transposed_and_activation_inline(measure_layers):
    m = measure_layers([(nn.Linear(6, 5), "tanh"), (nn.Linear(5, 5, bias=False), "")], 6)
    assert m.types == ["dense", "dense"]
    first = m.doc["layers"][0]
    assert first["activation"] == "tanh"
    assert len(first["weights"][0]) == 6 and len(first["weights"][0][0]) == 5  # kernel[in][out]
    assert m.doc["layers"][1]["weights"][1] == [0] * 5  # missing bias written as zeros
    assert m.err32 < F32 and m.err64 < F64


@pytest.mark.parametrize("batch_first", [True, False])
def test_lstm_matches_pytorch_over_a_sequence(measure_layers, batch_first):
    lstm = nn.LSTM(5, 7, batch_first=batch_first)
    m = measure_layers([(lstm, "")], 5)
    assert m.types == ["lstm"]
    w, u, b = m.doc["layers"][0]["weights"]
    assert (len(w), len(w[0]), len(u), len(u[0]), len(b)) == (5, 28, 7, 28, 28)
    assert m.err32 < F32
    assert m.err64 < 1e-7  # the two PyTorch biases, summed once in float32


def test_lstm_float64_is_exact_when_the_bias_sum_needs_no_rounding(measure_layers):
    lstm = nn.LSTM(5, 7, batch_first=True)
    with torch.no_grad():
        lstm.bias_hh_l0.zero_()
    m = measure_layers([(lstm, "")], 5)
    assert m.err64 < F64


def test_lstm_activation_becomes_a_separate_entry(measure_layers):
    """RTNeural ignores "activation" on lstm entries, so it must become its own layer."""
    m = measure_layers([(nn.LSTM(4, 6, batch_first=True, bias=False), "sigmoid")], 4)
    assert m.types == ["lstm", "activation"]
    assert m.doc["layers"][0]["activation"] == ""
    assert m.err32 < F32 and m.err64 < F64


def test_gru_gates_are_reordered(measure_layers):
    m = measure_layers([(nn.GRU(5, 6, batch_first=True), "")], 5)
    assert m.types == ["gru"]
    w, u, b = m.doc["layers"][0]["weights"]
    assert (len(w[0]), len(u), len(b), len(b[0])) == (18, 6, 2, 18)
    assert m.err32 < F32 and m.err64 < F64


@pytest.mark.parametrize(("kernel", "dilation"), [(3, 2), (1, 1), (4, 1)])
def test_conv1d_is_causal_and_streams(measure_layers, kernel, dilation):
    conv = nn.Conv1d(5, 4, kernel, dilation=dilation)
    m = measure_layers([(conv, "relu")], 5, steps=3 * kernel * dilation + 5)
    entry = m.doc["layers"][0]
    assert entry["type"] == "conv1d" and entry["activation"] == "relu"
    assert entry["kernel_size"] == [kernel] and entry["dilation"] == [dilation]
    assert entry["shape"][-1] == 4
    assert m.err32 < F32 and m.err64 < F64


def test_conv1d_without_bias_gets_zero_bias(measure_layers):
    m = measure_layers([(nn.Conv1d(3, 2, 2, bias=False), "")], 3)
    assert m.doc["layers"][0]["weights"][1] == [0, 0]
    assert m.err32 < F32 and m.err64 < F64


@pytest.mark.parametrize("num_parameters", [1, 6])
def test_prelu(measure_layers, num_parameters):
    prelu = nn.PReLU(num_parameters)
    with torch.no_grad():
        prelu.weight.uniform_(-0.5, 0.9)
    m = measure_layers([(nn.Linear(4, 6), ""), (prelu, "")], 4)
    assert m.types == ["dense", "prelu"]
    assert len(m.doc["layers"][1]["weights"][0][0]) == num_parameters  # read as weights[0][0]
    assert m.err32 < F32 and m.err64 < F64


@pytest.mark.parametrize("affine", [True, False])
def test_batchnorm_uses_running_statistics(measure_layers, affine):
    bn = _randomise_batchnorm(nn.BatchNorm1d(6, affine=affine, eps=1e-3))
    m = measure_layers([(nn.Linear(4, 6), ""), (bn, "elu")], 4)
    assert m.types == ["dense", "batchnorm", "activation"]
    entry = m.doc["layers"][1]
    assert len(entry["weights"]) == 4 and entry["epsilon"] == pytest.approx(1e-3)
    assert m.err32 < F32 and m.err64 < F64


def test_batchnorm_in_training_mode_exports_its_inference_behaviour(measure_layers):
    bn = _randomise_batchnorm(nn.BatchNorm1d(5)).train()
    m = measure_layers([(bn, "")], 5)
    assert bn.training  # the caller's module is left as it was
    assert m.err32 < F32 and m.err64 < F64


@pytest.mark.parametrize(
    ("module", "name"),
    [
        (nn.Tanh(), "tanh"),
        (nn.ReLU(), "relu"),
        (nn.Sigmoid(), "sigmoid"),
        (nn.Softmax(dim=-1), "softmax"),
        (nn.ELU(), "elu"),
    ],
)
def test_standalone_activation_modules(measure_layers, module, name):
    m = measure_layers([(nn.Linear(5, 6), ""), (module, "")], 5)
    assert m.types == ["dense", "activation"]
    assert m.doc["layers"][1]["activation"] == name
    assert m.doc["layers"][1]["weights"] == []
    assert m.err32 < F32 and m.err64 < F64


@pytest.mark.parametrize("name", ["tanh", "relu", "sigmoid", "softmax", "elu"])
def test_activation_strings_on_dense(measure_layers, name):
    m = measure_layers([(nn.Linear(5, 6), name)], 5)
    assert m.doc["layers"][0]["activation"] == name
    assert m.err32 < F32 and m.err64 < F64


def test_no_op_modules_get_no_entry(measure_layers):
    m = measure_layers([(nn.Linear(5, 4), ""), (nn.Dropout(0.5), ""), (nn.Identity(), "tanh")], 5)
    assert m.types == ["dense", "activation"]
    assert m.err32 < F32 and m.err64 < F64


def test_a_mixed_stack_of_every_type(measure_layers):
    layers = [
        (nn.Linear(6, 8), "relu"),
        (nn.GRU(8, 7, batch_first=True), ""),
        (nn.Conv1d(7, 5, 3, dilation=2), "tanh"),
        (_randomise_batchnorm(nn.BatchNorm1d(5)), ""),
        (nn.PReLU(5, init=0.2), ""),
        (nn.LSTM(5, 6, batch_first=True), "elu"),
        (nn.Linear(6, 4), "softmax"),
    ]
    m = measure_layers(layers, 6, steps=40)
    assert m.types == [
        "dense", "gru", "conv1d", "batchnorm", "prelu", "lstm", "activation", "dense",
    ]  # fmt: skip
    assert m.err32 < F32
    assert m.err64 < 1e-7  # LSTM bias sum, as above
