"""EMOTRAIN_MAX_EPOCHS / EMOTRAIN_MAX_SAMPLES: what the docs walkthrough runs under."""

from __future__ import annotations

import json

import pytest

from emotrain.config import merge_run_config
from emotrain.errors import ConfigError
from tests.conftest import TINY


def test_caps_lower_what_is_larger_and_leave_the_rest(monkeypatch):
    monkeypatch.setenv("EMOTRAIN_MAX_EPOCHS", "2")
    monkeypatch.setenv("EMOTRAIN_MAX_SAMPLES", "30")
    big = merge_run_config({"epochs": 60, "samples": 512}, models=("groovepredictor",))
    assert (big.training.epochs, big.data.samples) == (2, 30)
    small = merge_run_config({"epochs": 1, "samples": 10}, models=("groovepredictor",))
    assert (small.training.epochs, small.data.samples) == (1, 10)
    monkeypatch.setenv("EMOTRAIN_MAX_EPOCHS", "zero")
    with pytest.raises(ConfigError, match="EMOTRAIN_MAX_EPOCHS: must be an integer >= 1"):
        merge_run_config({}, models=("groovepredictor",))


def test_a_capped_run_records_what_ran_and_resume_is_capped_too(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("EMOTRAIN_MAX_EPOCHS", "1")
    out = tmp_path / "run"
    assert cli("train", "-m", "groove", "--epochs", "50", "-o", out, *TINY).code == 0
    assert json.loads((out / "run_config.json").read_text())["training"]["epochs"] == 1
    r = cli("resume", out, "--epochs", "40")
    assert r.code == 0, r.err
    history = json.loads((out / "history" / "groovepredictor_history.json").read_text())
    assert len(history["epochs"]) == 1
