"""What RTNeural cannot run is refused with one line naming the layer and the reason, and nothing
is written: neither the target file nor a temporary file."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from emotrain.errors import ConfigError, ExportError
from emotrain.export.rtneural import export_layers, export_model
from emotrain.models.catalog import get_spec


def _assert_refused(tmp_path, layers, in_features, *patterns: str) -> str:
    target = tmp_path / "out" / "net.json"
    with pytest.raises(ExportError) as info:
        export_layers(layers, in_features, target)
    message = str(info.value)
    assert "\n" not in message
    for pattern in patterns:
        assert pattern in message, message
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    return message


@pytest.mark.parametrize(
    ("module", "in_features", "patterns"),
    [
        (nn.LSTM(4, 5, batch_first=True, bidirectional=True), 4, ["layer 0", "bidirectional"]),
        (nn.GRU(4, 5, batch_first=True, bidirectional=True), 4, ["bidirectional GRU"]),
        (nn.LSTM(4, 5, num_layers=2, batch_first=True), 4, ["num_layers=2", "single-layer LSTM"]),
        (nn.GRU(4, 5, num_layers=2, batch_first=True), 4, ["num_layers=2", "'gru' entry"]),
        (nn.LSTM(4, 5, proj_size=3, batch_first=True), 4, ["proj_size"]),
        (nn.LeakyReLU(), 4, ["LeakyReLU has no RTNeural equivalent"]),
        (nn.GELU(), 4, ["GELU has no RTNeural equivalent"]),
        (nn.ELU(alpha=0.5), 4, ["alpha=0.5"]),
        (nn.Softmax(dim=0), 4, ["dim=0"]),
        (nn.Conv1d(4, 3, 3, padding=1), 4, ["padding=(1,)", "non-causal"]),
        (nn.Conv1d(4, 3, 3, padding="same"), 4, ["'same'", "non-causal"]),
        (nn.Conv1d(4, 3, 3, stride=2), 4, ["stride=2"]),
        (nn.BatchNorm1d(4, track_running_stats=False), 4, ["running statistics"]),
        (nn.Conv2d(4, 3, 3), 4, ["Conv2d has no RTNeural equivalent"]),
        (nn.Linear(5, 3), 4, ["takes 5 features but receives 4"]),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, nn.Module) else None,
)
def test_unsupported_modules_are_refused(tmp_path, module, in_features, patterns):
    _assert_refused(tmp_path, [(module, "")], in_features, *patterns)


@pytest.mark.parametrize("activation", ["gelu", "leaky_relu", "linear", "Tanh"])
def test_unknown_activation_strings_are_refused(tmp_path, activation):
    _assert_refused(tmp_path, [(nn.Linear(3, 2), activation)], 3, repr(activation), "allowed")


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_weights_are_refused(tmp_path, bad):
    lstm = nn.LSTM(3, 4, batch_first=True)
    with torch.no_grad():
        lstm.weight_hh_l0[2, 1] = bad
    _assert_refused(tmp_path, [(nn.Linear(3, 3), "tanh"), (lstm, "")], 3, "layer 1", "weight_hh_l0")


def test_float64_weights_beyond_float32_range_are_refused(tmp_path):
    dense = nn.Linear(3, 2).double()
    with torch.no_grad():
        dense.weight[0, 0] = 1e39  # finite in float64, infinite in the plugin's float32
    _assert_refused(tmp_path, [(dense, "")], 3, "layer 0", "beyond float32")


def test_non_finite_weights_of_a_plugin_network_name_the_module(tmp_path):
    model = get_spec("groove").build()
    with torch.no_grad():
        model.layers[1].bias[0] = math.nan
    with pytest.raises(ExportError, match=r"layer 1 'layers\.1'.*bias.*non-finite"):
        export_model(model, tmp_path / "groovepredictor.json")
    assert not (tmp_path / "groovepredictor.json").exists()


def test_an_empty_layer_list_is_refused(tmp_path):
    _assert_refused(tmp_path, [], 3, "empty")


def test_a_model_without_an_export_order_is_refused(tmp_path):
    with pytest.raises(ExportError, match="declares no export order"):
        export_model(nn.Sequential(nn.Linear(3, 2)), tmp_path / "x.json")


def test_a_model_whose_forward_differs_from_its_export_order_fails_verification(tmp_path):
    """Each model declares its export order; if the declaration lies, the numbers say so."""
    model = get_spec("dynamics").build()
    declared = model.rtneural_layers()
    model.rtneural_layers = lambda: [(m, "tanh" if a == "relu" else a) for m, a in declared]
    with pytest.raises(ExportError, match="does not compute what PyTorch computes"):
        export_model(model, tmp_path / "dynamicsengine.json")
    assert list(tmp_path.iterdir()) == []


def test_verification_failure_writes_nothing_and_keeps_the_old_file(tmp_path):
    model = get_spec("dynamics").build()
    target = tmp_path / "dynamicsengine.json"
    target.write_text("previous good export")
    declared = model.rtneural_layers()
    model.rtneural_layers = lambda: [(m, "tanh" if a == "relu" else a) for m, a in declared]
    with pytest.raises(ExportError, match="nothing was written"):
        export_model(model, target)
    assert target.read_text() == "previous good export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dynamicsengine.json"]


@pytest.mark.parametrize("tolerance", [0.0, -1e-5, math.nan, math.inf])
def test_bad_tolerance_is_a_usage_error(tmp_path, tolerance):
    with pytest.raises(ConfigError, match="tolerance"):
        export_layers([(nn.Linear(2, 2), "")], 2, tmp_path / "x.json", tolerance=tolerance)


def test_a_forward_that_fails_is_an_export_error(tmp_path):
    from emotrain.models.network import PluginNetwork

    class TimeMajor(PluginNetwork):  # expects (batch, features, time): not the streaming layout
        def forward(self, x, *, logits=False):
            return super().forward(x.transpose(1, 2), logits=logits)

    spec = get_spec("dynamics")
    with pytest.raises(ExportError, match="forward fails"):
        export_model(TimeMajor(spec.name, spec.layers), tmp_path / "d.json")
    assert list(tmp_path.iterdir()) == []


def test_a_container_module_is_refused_in_one_line(tmp_path):
    block = nn.Sequential(nn.Linear(4, 4), nn.Tanh(), nn.Linear(4, 4))
    message = _assert_refused(tmp_path, [(block, "")], 4, "Sequential has no RTNeural equivalent")
    assert len(message) < 300
