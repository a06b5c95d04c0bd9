"""Files RTNeural itself loads and runs, which the interpreter and exporter must accept too.

Each case starts from a real PyTorch module, so the expected numbers come from PyTorch, not from
the interpreter under test: a grouped kernel read as ungrouped, or a missing bias read as anything
but zero, is off by far more than the tolerances here.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from torch import nn

from emotrain.errors import ExportError
from emotrain.export.rtneural import export_layers
from emotrain.export.verify import TorchReference
from emotrain.plugin.reference import ReferenceModel

F32 = 2e-6
F64 = 1e-12


def _errors(doc: dict, layers, in_features: int, steps: int = 30) -> tuple[float, float]:
    """Max |interpreter - PyTorch| of `doc` in float32 and float64 on an unseen sequence."""
    seq = np.random.default_rng(11).standard_normal((steps, in_features)).astype(np.float32)
    ref = TorchReference(layers=layers)
    out32 = ReferenceModel(doc, np.float32).run(seq).astype(np.float64)
    out64 = ReferenceModel(doc, np.float64).run(seq.astype(np.float64))
    return float(np.abs(out32 - ref(seq)).max()), float(np.abs(out64 - ref(seq, np.float64)).max())


def _exported(tmp_path, layers, in_features: int) -> dict:
    path = tmp_path / "net.json"
    export_layers(layers, in_features, path)
    return json.loads(path.read_text())


def test_dense_with_only_a_kernel_has_zero_bias(tmp_path):
    layers = [(nn.Linear(6, 5, bias=False), "tanh"), (nn.Linear(5, 3), "")]
    doc = _exported(tmp_path, layers, 6)
    doc["layers"][0]["weights"] = doc["layers"][0]["weights"][:1]  # RTNeural: bias is zero
    err32, err64 = _errors(doc, layers, 6)
    assert err32 < F32 and err64 < F64


def test_a_kernel_only_entry_is_not_the_same_as_a_kernel_with_bias(tmp_path):
    """The zero bias is really used: dropping a non-zero bias must change the answer."""
    layers = [(nn.Linear(6, 5), "")]
    doc = _exported(tmp_path, layers, 6)
    doc["layers"][0]["weights"] = doc["layers"][0]["weights"][:1]
    assert _errors(doc, layers, 6)[0] > 1e-3


def test_bias_less_linear_is_exported_with_an_explicit_zero_bias(tmp_path):
    """Older RTNeural loaders read weights[1] unconditionally, so the exporter always writes it."""
    doc = _exported(tmp_path, [(nn.Linear(4, 3, bias=False), "")], 4)
    assert doc["layers"][0]["weights"][1] == [0, 0, 0]


def test_time_distributed_dense_is_read_as_dense(tmp_path):
    layers = [(nn.Linear(5, 4), "relu"), (nn.Linear(4, 2), "")]
    doc = _exported(tmp_path, layers, 5)
    for entry in doc["layers"]:
        entry["type"] = "time-distributed-dense"
    model = ReferenceModel(doc)
    assert model.dropped == []
    assert model.kinds == ["time-distributed-dense", "activation", "time-distributed-dense"]
    err32, err64 = _errors(doc, layers, 5)
    assert err32 < F32 and err64 < F64


@pytest.mark.parametrize(
    ("in_ch", "out_ch", "groups", "kernel", "dilation"),
    [(4, 6, 2, 3, 1), (6, 6, 3, 2, 2), (4, 4, 4, 3, 1), (6, 3, 3, 1, 1)],
    ids=["2-groups", "3-groups-dilated", "depthwise", "pointwise-3-groups"],
)
def test_grouped_conv1d_is_exported_and_matches_pytorch(
    tmp_path, in_ch, out_ch, groups, kernel, dilation
):
    conv = nn.Conv1d(in_ch, out_ch, kernel, dilation=dilation, groups=groups)
    layers = [(conv, "tanh"), (nn.Linear(out_ch, 2), "")]
    doc = _exported(tmp_path, layers, in_ch)  # the exporter verifies it numerically as well
    entry = doc["layers"][0]
    assert entry["type"] == "conv1d" and entry["groups"] == groups
    k = entry["weights"][0]
    assert (len(k), len(k[0]), len(k[0][0])) == (kernel, in_ch // groups, out_ch)
    err32, err64 = _errors(doc, layers, in_ch, steps=3 * kernel * dilation + 10)
    assert err32 < F32 and err64 < F64


def test_grouped_kernel_read_without_its_groups_is_refused(tmp_path):
    """A loader that ignored 'groups' would need a kernel [K][in][out]; the file's is [K][in/G]."""
    doc = _exported(tmp_path, [(nn.Conv1d(4, 4, 3, groups=2), "")], 4)
    del doc["layers"][0]["groups"]
    with pytest.raises(
        ExportError, match=r"kernel: shape \[3, 2, 4\], the layer needs \[3, 4, 4\]"
    ):
        ReferenceModel(doc)


def test_ungrouped_conv_files_do_not_change(tmp_path):
    doc = _exported(tmp_path, [(nn.Conv1d(4, 4, 3), "")], 4)
    assert "groups" not in doc["layers"][0]


@pytest.mark.parametrize(("groups", "pattern"), [(3, "groups=3 must divide"), (0, "groups")])
def test_groups_that_do_not_divide_the_channels_are_refused(tmp_path, groups, pattern):
    doc = _exported(tmp_path, [(nn.Conv1d(4, 4, 3, groups=2), "")], 4)
    doc["layers"][0]["groups"] = groups
    with pytest.raises(ExportError, match=pattern):
        ReferenceModel(doc)
