"""EarlyStopping as a table of (losses, patience, min_delta, expected stop epoch), and a real restore."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from emotrain.training.early_stopping import EarlyStopping

CASES = [
    # losses, patience, min_delta, expected stop epoch (None: never), expected best epoch
    ([1.0, 0.9, 0.8, 0.7], 2, 0.0, None, 4),
    ([1.0, 1.1, 1.2], 2, 0.0, 3, 1),
    ([1.0, 0.95, 0.94, 0.93], 2, 0.1, 3, 1),
    ([1.0, 0.5, 0.6, 0.7, 0.4, 0.8, 0.9, 1.0], 3, 0.0, 8, 5),
    ([1.0, float("nan"), float("nan")], 2, 0.0, 3, 1),
    ([2.0, 2.0, 2.0, 2.0], 3, 0.0, 4, 1),
]


@pytest.mark.parametrize(("losses", "patience", "min_delta", "stop_epoch", "best_epoch"), CASES)
def test_stop_epoch_table(losses, patience, min_delta, stop_epoch, best_epoch):
    es = EarlyStopping(patience=patience, min_delta=min_delta)
    stopped = None
    for epoch, value in enumerate(losses, start=1):
        es.step(value, epoch)
        stop, reason = es.should_stop(epoch)
        if stop:
            stopped = epoch
            assert "val_loss" in reason
            break
    assert stopped == stop_epoch
    assert es.best_epoch == best_epoch


def test_restore_gives_best_weights_not_live_ones():
    """The old bug: 'best' held references to live tensors, so restore gave the last weights."""
    model = torch.nn.Linear(3, 2)
    es = EarlyStopping(patience=5)
    es.step(1.0, 1, model)
    best = {k: v.clone() for k, v in model.state_dict().items()}
    with torch.no_grad():
        for p in model.parameters():
            p.add_(1.0)  # in-place, exactly what an optimizer step does
    es.step(2.0, 2, model)
    assert es.restore(model)
    for k, v in model.state_dict().items():
        assert torch.equal(v, best[k])


def test_state_dict_round_trip_keeps_counters_and_best_copy():
    model = torch.nn.Linear(2, 2)
    es = EarlyStopping(patience=4, min_delta=0.01)
    es.step(1.0, 1, model)
    es.step(1.5, 2, model)
    other = EarlyStopping(patience=4, min_delta=0.01)
    other.load_state_dict(es.state_dict())
    assert (other.best_score, other.best_epoch, other.wait) == (1.0, 1, 1)
    for k, v in es.best_state.items():
        assert torch.equal(other.best_state[k], v)
    assert other.load_state_dict({}) is None  # old or partial state loads with defaults
    assert other.wait == 0 and other.best_score is None


@given(st.lists(st.floats(0, 10, allow_nan=False), min_size=1, max_size=40), st.integers(1, 6))
def test_never_stops_before_patience_runs_out(losses, patience):
    es = EarlyStopping(patience=patience)
    for epoch, value in enumerate(losses, start=1):
        es.step(value, epoch)
        stop, _ = es.should_stop(epoch)
        if stop:
            assert epoch - es.best_epoch >= patience
            return
    assert len(losses) - es.best_epoch < patience


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError):
        EarlyStopping(patience=0)
    with pytest.raises(ValueError):
        EarlyStopping(min_delta=-1)
