"""The search space: default spaces per model, `--space` overrides and their refusals, sampling."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emotrain.config import RunConfig
from emotrain.errors import ConfigError
from emotrain.tuning.space import PARAMETERS, apply_params, default_space, parse_space


@pytest.mark.parametrize(
    ("model", "searches_seq_len"),
    [
        ("groove", False),
        ("dynamics", False),
        ("harmony", False),
        ("melody", True),
        ("emotion", True),
    ],
)
def test_default_space_searches_sequence_length_only_for_recurrent_networks(
    model, searches_seq_len
):
    from emotrain.models.catalog import resolve_models

    space = default_space(resolve_models(model)[0])
    assert ("seq_len" in space) == searches_seq_len
    assert {"learning_rate", "batch_size", "weight_decay", "grad_clip_norm"} <= set(space)
    for name, param in space.items():
        assert param.problems(name) == []


@settings(max_examples=80, deadline=None)
@given(
    low=st.floats(-10, 10, allow_nan=False),
    high=st.floats(-10, 10, allow_nan=False),
    log=st.booleans(),
)
def test_a_float_range_is_accepted_exactly_when_it_is_usable(low, high, log):
    raw = {"grad_clip_norm": {"low": low, "high": high, "log": log}}
    usable = low < high and (not log or low > 0)
    if usable:
        param = parse_space(raw, "groovepredictor")["grad_clip_norm"]
        assert (param.low, param.high, param.log) == (low, high, log)
    else:
        with pytest.raises(ConfigError, match=r"\[grad_clip_norm\]"):
            parse_space(raw, "groovepredictor")


@settings(max_examples=25, deadline=None)
@given(low=st.floats(1e-6, 1e-2), span=st.floats(1.5, 1e3), seed=st.integers(0, 2**16))
def test_sampled_values_stay_in_range_and_fit_the_config(low, span, seed):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    raw = {"learning_rate": {"low": low, "high": low * span, "log": True},
           "batch_size": {"choices": [3, 5]}, "lr_patience": {"low": 1, "high": 4}}  # fmt: skip
    space = parse_space(raw, "groovepredictor")
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    trial = study.ask()
    params = {name: p.suggest(trial) for name, p in space.items()}
    assert low <= params["learning_rate"] <= low * span
    assert params["batch_size"] in (3, 5) and 1 <= params["lr_patience"] <= 4
    config = apply_params(RunConfig(models=("groovepredictor",)), params)
    assert config.training.batch_size == params["batch_size"]
    assert math.isclose(config.training.learning_rate, params["learning_rate"])


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        ({"dropout": {"low": 0.1, "high": 0.5}}, "unknown parameter"),
        ({"learning_rate": {"low": 0.1, "high": 0.01}}, "range is empty"),
        ({"learning_rate": {"lo": 0.1}}, "unknown key 'lo'"),
        ({"batch_size": {"choices": []}}, "choices is empty"),
        ({"batch_size": {"choices": [16.5]}}, "must be integers"),
        ({"batch_size": {"low": 8.5, "high": 64}}, "must be an integer"),
        ({"learning_rate": {"low": 0.0, "high": 0.1, "log": True}}, "needs low > 0"),
        ({"learning_rate": {"low": 0.1, "high": 0.2, "log": "yes"}}, "log must be true or false"),
        ({"learning_rate": 0.1}, "must be a table"),
    ],
)
def test_bad_space_entries_are_refused_naming_the_parameter(raw, needle):
    with pytest.raises(ConfigError, match=needle):
        parse_space(raw, "groovepredictor")


def test_disabled_parameters_are_not_searched():
    space = parse_space({name: {"enabled": False} for name in PARAMETERS}, "melodytransformer")
    assert space == {}
