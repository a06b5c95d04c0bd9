"""A stop signal at the very end of a run is never silent: before the last export it stops the
run (resume does the export), during the export or the summary the run completes and says so."""

from __future__ import annotations

import json
import os
import signal

import pytest

from tests.conftest import TINY


def _train(cli, out):
    return cli("train", "-m", "groove", "--epochs", "1", "-o", out, *TINY)


def test_a_signal_before_the_last_export_stops_and_resume_exports(cli, tmp_path, monkeypatch):
    from emotrain.training.model_trainer import ModelTrainer

    real_fit = ModelTrainer.fit

    def fit(self):
        result = real_fit(self)
        os.kill(os.getpid(), signal.SIGTERM)  # the last epoch is done; the export is next
        return result

    monkeypatch.setattr(ModelTrainer, "fit", fit)
    out = tmp_path / "run"
    r = _train(cli, out)
    assert r.code == 128 + signal.SIGTERM
    assert "emotrain resume" in r.err and not (out / "groovepredictor.json").exists()
    monkeypatch.setattr(ModelTrainer, "fit", real_fit)
    r = cli("resume", out)
    assert r.code == 0, r.err
    assert json.loads((out / "groovepredictor.json").read_text())["layers"]


@pytest.mark.parametrize("where", ["export", "summary"])
def test_a_signal_during_the_last_export_or_the_summary_is_said(cli, tmp_path, monkeypatch, where):
    import emotrain.cli.run_ui as run_ui
    import emotrain.training.trainer as trainer

    name = "finish_model" if where == "export" else "print_summary"
    module = trainer if where == "export" else run_ui
    real = getattr(module, name)

    def with_signal(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGINT)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, with_signal)
    out = tmp_path / "run"
    r = _train(cli, out)
    assert r.code == 0, r.err
    assert "SIGINT received as the run ended" in r.err and "complete" in r.err
    assert (out / "groovepredictor.json").is_file()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_run_names_the_signal(cli, tmp_path, monkeypatch, signum):
    """Ctrl-C says SIGINT, as a scheduler's stop says SIGTERM: a log read later tells them apart."""
    from emotrain.training.model_trainer import ModelTrainer

    real_epoch = ModelTrainer.run_epoch

    def run_epoch(self, *args, **kwargs):
        os.kill(os.getpid(), signum)  # during the first epoch
        return real_epoch(self, *args, **kwargs)

    monkeypatch.setattr(ModelTrainer, "run_epoch", run_epoch)
    r = cli("train", "-m", "groove", "--epochs", "3", "-o", tmp_path / "run", *TINY)
    assert r.code == 128 + signum, r.err
    name = "SIGINT (Ctrl-C)" if signum == signal.SIGINT else "SIGTERM"
    assert r.err_lines[-1].startswith(f"error: interrupted by {name}: "), r.err
    assert r.err.count("interrupted by") == 1
