"""`ReferenceModel.run()` batches what has no state over time and loops only over the recurrence:
it must give what one `forward()` per frame gives, and carry its state exactly across calls."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from emotrain.export.rtneural import export_checkpoint, export_layers
from emotrain.models.catalog import get_spec
from emotrain.plugin.reference import ReferenceModel
from emotrain.training.checkpoint import architecture_dicts, load_model, save_checkpoint


@pytest.fixture(scope="module")
def every_kind(tmp_path_factory):
    """A file with each layer kind RTNeural streams: grouped dilated conv1d, GRU, LSTM, prelu,
    batchnorm, softmax."""
    torch.manual_seed(3)
    bn = nn.BatchNorm1d(6)
    bn.running_mean.uniform_(-1, 1)
    bn.running_var.uniform_(0.5, 2)
    layers = [
        (nn.Conv1d(4, 6, 3, dilation=2, groups=2), "tanh"),
        (nn.GRU(6, 5, batch_first=True), ""),
        (nn.Linear(5, 6), ""),
        (nn.PReLU(6, 0.2), ""),
        (bn.eval(), ""),
        (nn.LSTM(6, 4, batch_first=True), ""),
        (nn.Linear(4, 3), "softmax"),
    ]
    path = tmp_path_factory.mktemp("kinds") / "kinds.json"
    export_layers(layers, 4, path)
    seq = np.random.default_rng(1).standard_normal((60, 4)).astype(np.float32)
    return path, seq


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_run_equals_one_forward_per_frame(every_kind, dtype):
    path, seq = every_kind
    model = ReferenceModel(path, dtype)
    model.reset()
    stepped = np.stack([model.forward(frame) for frame in seq])
    tol = 1e-6 if dtype == np.float32 else 1e-12
    assert np.abs(model.run(seq) - stepped).max() < tol


@settings(max_examples=25, deadline=None)
@given(cuts=st.lists(st.integers(0, 60), max_size=8))
def test_blocks_of_any_size_with_state_carried_equal_one_call(every_kind, cuts):
    path, seq = every_kind
    model = ReferenceModel(path, np.float64)
    whole = model.run(seq)
    edges = [0, *sorted(cuts), len(seq)]
    model.reset()
    parts = [model.run(seq[a:b], reset=False) for a, b in itertools.pairwise(edges)]
    assert np.abs(np.concatenate(parts) - whole).max() < 1e-12


def test_empty_block_keeps_the_state(every_kind):
    path, seq = every_kind
    model = ReferenceModel(path, np.float64)
    first = model.run(seq[:10])
    assert model.run(seq[:0], reset=False).shape == (0, 3)
    rest = model.run(seq[10:], reset=False)
    assert np.abs(np.concatenate([first, rest]) - model.run(seq)).max() < 1e-12


def test_the_emotion_recognizer_file_equals_load_model_over_a_long_stream(tmp_path):
    """Thousands of frames from one reset (a minute of audio): the LSTM state never drifts."""
    spec = get_spec("emotionrecognizer")
    torch.manual_seed(0)
    net = spec.build()
    net.normalization.set(torch.full((128,), -40.0), torch.full((128,), 14.0))
    payload = {
        "epoch": 1, "model_state_dict": net.state_dict(), "optimizer_state_dict": {},
        "metrics": {}, "model_name": spec.name, "format": "emotrain-checkpoint",
        "format_version": 1, "architecture": architecture_dicts(spec.layers),
        "input_normalization": net.normalization.to_checkpoint(),
    }  # fmt: skip
    ckpt = save_checkpoint(tmp_path / "emotionrecognizer_best.pt", payload)
    export_checkpoint(ckpt, tmp_path / "export")
    rng = np.random.default_rng(0)
    x = (np.cumsum(rng.standard_normal((2600, 128)), 0) * 0.3 - 40).astype(np.float32)
    with torch.no_grad():
        want = load_model(ckpt)(torch.from_numpy(x).unsqueeze(0))[0].numpy()
    got = ReferenceModel(tmp_path / "export" / "emotionrecognizer.json").run(x)
    assert np.abs(got - want).max() <= 1e-5


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_run_batch_equals_run_of_each_sequence_and_keeps_the_stream(every_kind, dtype):
    path, seq = every_kind
    model = ReferenceModel(path, dtype)
    batch = np.stack([seq[:20], seq[20:40], seq[40:60][::-1]])
    first = model.run(seq[:7])  # a stream in progress
    got = model.run_batch(batch)
    rest = model.run(seq[7:], reset=False)  # the batch did not disturb it
    tol = 1e-6 if dtype == np.float32 else 1e-12
    assert np.abs(np.concatenate([first, rest]) - model.run(seq)).max() < tol
    for one, want in zip(got, batch, strict=True):
        assert np.abs(one - model.run(want)).max() < tol
    assert model.run_batch(batch[:0]).shape == (0, 20, 3)
