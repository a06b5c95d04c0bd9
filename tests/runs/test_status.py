"""Statuses are one Enum in memory and plain words on disk (weights_only and JSON both read them)."""

from __future__ import annotations

import io
import json

import torch

from emotrain.runs.status import ENDED_EARLY, FINAL_STATUSES, RunStatus
from emotrain.training.metrics import TrainingMetrics


def test_members_are_their_words():
    for status in RunStatus:
        assert status == status.value
        assert str(status) == f"{status}" == status.value
        assert RunStatus.of(status.value) is status
    assert set(ENDED_EARLY) < set(FINAL_STATUSES)
    assert RunStatus.RUNNING not in FINAL_STATUSES


def test_old_or_unknown_words_read_as_running():
    assert RunStatus.of(None) is RunStatus.RUNNING
    assert RunStatus.of("no such status") is RunStatus.RUNNING
    assert TrainingMetrics.from_dict({"epochs": []}).status is RunStatus.RUNNING


def test_history_stores_a_plain_string_that_weights_only_loads():
    history = TrainingMetrics("groovepredictor", "mae", False)
    history.status = RunStatus.EARLY_STOPPED
    d = history.to_dict()
    assert type(d["status"]) is str and d["status"] == "early_stopped"
    assert json.loads(json.dumps(d))["status"] == "early_stopped"
    buffer = io.BytesIO()
    torch.save({"metrics": d, "status": str(history.status)}, buffer)
    buffer.seek(0)
    back = torch.load(buffer, weights_only=True)
    assert TrainingMetrics.from_dict(back["metrics"]).status is RunStatus.EARLY_STOPPED


def test_an_enum_object_would_be_refused_by_weights_only():
    """Why the boundary converts: the Enum itself does not survive a safe load."""
    buffer = io.BytesIO()
    torch.save({"status": RunStatus.FINISHED}, buffer)
    buffer.seek(0)
    try:
        torch.load(buffer, weights_only=True)
    except Exception:
        return
    raise AssertionError("weights_only loaded an Enum object")
