"""Every registered model gets the same checks: build, shapes, parameter count, export order."""

from __future__ import annotations

import pytest
import torch

from emotrain.errors import ConfigError
from emotrain.models import SPECS, get_spec, resolve_models
from emotrain.models.layers import Dense, multiply_adds_per_frame
from emotrain.models.network import count_parameters

CONTRACT = {
    "emotionrecognizer": ("emotion", 128, 64, 403_264),
    "melodytransformer": ("melody", 64, 128, 641_664),
    "harmonypredictor": ("harmony", 128, 64, 74_176),
    "dynamicsengine": ("dynamics", 32, 16, 13_520),
    "groovepredictor": ("groove", 64, 32, 18_656),
}


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_model_matches_plugin_contract(spec):
    alias, n_in, n_out, params = CONTRACT[spec.name]
    model = spec.build()
    assert spec.alias == alias
    assert count_parameters(model) == params == spec.parameters
    y = model(torch.randn(3, 5, n_in))
    assert y.shape == (3, 5, n_out)
    layers = model.rtneural_layers()
    assert len(layers) == len(spec.layers)
    assert all(act in ("tanh", "relu", "sigmoid", "softmax", "elu", "") for _, act in layers)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_output_range_follows_last_activation(spec):
    with torch.no_grad():
        y = spec.build()(torch.randn(2, 4, spec.in_features) * 5)
    act = spec.layers[-1].activation
    if act == "sigmoid":
        assert float(y.min()) >= 0 and float(y.max()) <= 1
    if act == "tanh":
        assert float(y.abs().max()) <= 1
    if act == "softmax":
        torch.testing.assert_close(y.sum(-1), torch.ones(2, 4))


def test_lstm_runs_from_zero_state_so_prefixes_agree():
    """Streaming semantics: the first k outputs do not depend on frames after k."""
    model = get_spec("melody").build().eval()
    x = torch.randn(1, 10, 64)
    full = model(x)
    prefix = model(x[:, :4])
    torch.testing.assert_close(full[:, :4], prefix, rtol=0, atol=1e-6)


def test_resolve_models_names_aliases_all_and_lists():
    assert resolve_models(None) == tuple(CONTRACT)
    assert resolve_models(["all"]) == tuple(CONTRACT)
    assert resolve_models(["melody", "emotion"]) == ("emotionrecognizer", "melodytransformer")
    assert resolve_models("groove,Harmony") == ("harmonypredictor", "groovepredictor")


def test_unknown_model_names_what_is_allowed():
    with pytest.raises(ConfigError) as info:
        resolve_models(["emotino"])
    message = str(info.value)
    assert "emotino" in message and "melodytransformer (melody)" in message


def test_multiply_adds_per_frame_hand_computed():
    assert multiply_adds_per_frame((Dense(2, 3), Dense(3, 1))) == 6 + 3
    emotion = get_spec("emotion")
    expected = 128 * 512 + 512 * 256 + 4 * 128 * (256 + 128) + 128 * 64
    assert multiply_adds_per_frame(emotion.layers) == expected


def test_every_unknown_model_is_named_at_once(cli, tmp_path):
    result = cli("train", "-m", "emotion,foo,bar", "-m", "foo", "-o", tmp_path / "run")
    assert result.code == 2
    assert len(result.err_lines) == 1
    assert "unknown models 'foo', 'bar'; allowed: all, emotionrecognizer" in result.err
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_the_spec_declares_the_figures_training_and_evaluation_compute(spec):
    """The spec is the one declaration: training records exactly its val_metrics, evaluation's
    figures and their bootstrap sums come from its family, and `tune --metric` offers them."""
    from emotrain.evaluation.metrics import model_metrics
    from emotrain.evaluation.moments import sequence_sums
    from emotrain.training.losses import MetricAccumulator
    from emotrain.tuning.tune import metric_direction

    torch.manual_seed(0)
    pred, target = torch.rand(4, 6, spec.out_features), torch.rand(4, 6, spec.out_features)
    acc = MetricAccumulator(spec)
    acc.update(pred, target)
    assert tuple(acc.result()) == spec.val_metrics
    figures = model_metrics(spec.name, pred, target)
    sums, finish = sequence_sums(spec.name, pred, target)
    assert set(finish(sums.sum(0))) <= set(figures)
    assert metric_direction(spec.name, "val_loss") == "minimize"
    for name in spec.val_metrics:
        assert metric_direction(spec.name, f"val_{name}") in ("maximize", "minimize")
    with pytest.raises(ConfigError):
        metric_direction(spec.name, "val_not_a_figure")
