"""TensorBoard and MLflow loggers, read back with TensorBoard's own event reader and MLflow's client
on a SQLite tracking store: across a SIGKILL and a resume every epoch is there exactly once, with the
history's values, and the resumed MLflow run is the same run."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from emotrain.training.loggers.base import parse_loggers
from tests.conftest import TINY

RUNNER = Path(__file__).with_name("kill_runner.py")
ROOT = Path(__file__).resolve().parents[2]
NAME = "groovepredictor"
ARGS = ["train", "-m", "groove", "--epochs", "4", *TINY]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("MLFLOW_TRACKING_URI", None)
    return env


def _history(run: Path) -> dict[int, dict]:
    history = json.loads((run / f"history/{NAME}_history.json").read_text())
    return {row["epoch"]: row for row in history["epochs"]}


@pytest.fixture(scope="module")
def resumed(tmp_path_factory):
    """A run with both loggers SIGKILLed right after epoch 2's checkpoint (before its history and
    its trackers saw it), then resumed without repeating --logger (the recorded ones continue)."""
    root = tmp_path_factory.mktemp("loggers")
    out, uri = root / "run", f"sqlite:///{root / 'mlflow.db'}"
    cmd = [sys.executable, str(RUNNER), "after-latest", "2", "--", *ARGS, "-o", str(out),
           "--logger", "tensorboard", "--logger", "mlflow", "--mlflow-uri", uri]  # fmt: skip
    # cwd: MLflow's SQLite store puts artifacts in ./mlruns of whoever makes the experiment.
    proc = subprocess.run(cmd, capture_output=True, text=True, env=_env(), cwd=root)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    run_id = json.loads((out / "loggers.json").read_text())["mlflow"]["runs"][NAME]
    from emotrain.cli import main

    err = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stderr(err):
        mp.delenv("MLFLOW_TRACKING_URI", raising=False)
        mp.chdir(root)
        code = main(["resume", str(out), "--quiet"])
    assert code == 0, err.getvalue()
    assert "warning" not in err.getvalue()
    return out, uri, run_id, root


def test_tensorboard_has_each_epoch_once_with_the_history_values(resumed):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    out = resumed[0]
    events = EventAccumulator(str(out / "tensorboard" / NAME))
    events.Reload()
    history = _history(out)
    assert sorted(history) == [1, 2, 3, 4]
    tags = set(events.Tags()["scalars"])
    assert {"train_loss", "val_loss", "lr", "val_mae"} <= tags
    for tag in ("train_loss", "val_loss", "lr", "val_mae"):
        points = [(s.step, s.value) for s in events.Scalars(tag)]
        assert [step for step, _ in points] == [1, 2, 3, 4], tag
        for step, value in points:
            assert value == pytest.approx(history[step][tag], rel=1e-6), (tag, step)
    hparams = events.PluginTagToContent("hparams")
    assert "_hparams_/session_start_info" in hparams
    assert b"training.learning_rate" in hparams["_hparams_/session_start_info"]
    assert b"val_mae" in hparams["_hparams_/experiment"]  # a metric column of the HPARAMS tab


def test_mlflow_continues_the_same_run_and_logs_each_epoch_once(resumed):
    from mlflow.tracking import MlflowClient

    out, uri, run_id, _ = resumed
    client = MlflowClient(tracking_uri=uri)
    assert json.loads((out / "loggers.json").read_text())["mlflow"]["runs"][NAME] == run_id
    runs = client.search_runs([client.get_experiment_by_name("emotrain").experiment_id])
    assert [r.info.run_id for r in runs] == [run_id]
    run = runs[0]
    assert run.info.status == "FINISHED"
    assert run.data.tags["emotrain.status"] == "finished"
    assert run.data.tags["emotrain.model"] == NAME
    assert run.data.params["training.epochs"] == "4"
    assert run.data.params["data.samples"] == "24"
    history = _history(out)
    for key in ("train_loss", "val_loss", "lr", "val_mae"):
        points = [(m.step, m.value) for m in client.get_metric_history(run_id, key)]
        assert sorted(step for step, _ in points) == [1, 2, 3, 4], key
        for step, value in points:
            assert value == pytest.approx(history[step][key], rel=1e-9), (key, step)
    names = {
        f.path for d in client.list_artifacts(run_id) for f in client.list_artifacts(run_id, d.path)
    }
    assert {f"export/{NAME}.json", f"plots/{NAME}_loss.png", f"history/{NAME}_history.json",
            f"history/{NAME}_history.csv", "run/run_config.json"} <= names  # fmt: skip


def test_tune_logs_each_trial_as_a_child_of_the_study_run(resumed, cli, monkeypatch):
    from mlflow.tracking import MlflowClient

    _, uri, run_id, root = resumed
    monkeypatch.chdir(root)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    study = root / "study"
    result = cli("tune", "-m", "groove", "--samples", "24", "--seq-len", "4", "--device", "cpu",
                 "--quiet", "--epochs", "2", "--trials", "2", "--output", study,
                 "--logger", "mlflow", "--mlflow-uri", uri)  # fmt: skip
    assert result.code == 0, result.err
    client = MlflowClient(tracking_uri=uri)
    runs = client.search_runs([client.get_experiment_by_name("emotrain").experiment_id])
    runs = [r for r in runs if r.info.run_id != run_id]
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    children = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    assert len(parents) == 1 and len(children) == 2
    parent = parents[0]
    assert (
        parent.data.tags["emotrain.study_name"]
        == json.loads((study / "study.json").read_text())["study_name"]
    )
    assert {c.data.tags["mlflow.parentRunId"] for c in children} == {parent.info.run_id}
    assert sorted(c.data.tags["emotrain.trial_number"] for c in children) == ["0", "1"]
    for child in children:
        number = child.data.tags["emotrain.trial_number"]
        steps = [m.step for m in client.get_metric_history(child.info.run_id, "val_loss")]
        assert steps == [1, 2]
        assert child.data.tags["emotrain.run_dir"] == str(study / "trials" / number)


def test_a_tracker_that_fails_warns_once_and_training_goes_on(tmp_path, cli, monkeypatch):
    """A tracking server that is down: one warning naming the logger, the run finishes."""
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "2")
    out = tmp_path / "run"
    result = cli(*ARGS, "-o", out, "--logger", "mlflow,tensorboard",
                 "--mlflow-uri", "http://127.0.0.1:9")  # fmt: skip
    assert result.code == 0, result.err
    warnings = [line for line in result.err_lines if line.startswith("warning:")]
    assert len(warnings) == 1 and "mlflow logger failed" in warnings[0], result.err
    assert sorted(_history(out)) == [1, 2, 3, 4]
    assert list((out / "tensorboard" / NAME).glob("events.out.tfevents.*"))


@pytest.mark.parametrize(
    ("module", "logger"), [("mlflow", "mlflow"), ("tensorboard", "tensorboard")]
)
def test_a_missing_extra_is_one_line_exit_2_and_nothing_written(tmp_path, cli, monkeypatch,
                                                                module, logger):  # fmt: skip
    monkeypatch.setitem(sys.modules, module, None)  # what `import` sees when it is not installed
    out = tmp_path / "run"
    result = cli(*ARGS, "-o", out, "--logger", logger)
    assert result.code == 2
    assert result.err_lines == [
        f'error: --logger {logger}: {module} is not installed; pip install "emotrain[{logger}]"'
    ]
    assert not out.exists()


def test_unknown_logger_names_the_allowed_ones(tmp_path, cli):
    out = tmp_path / "run"
    result = cli(*ARGS, "-o", out, "--logger", "tensorboard,wandb")
    assert result.code == 2
    assert result.err_lines == [
        "error: --logger: 'wandb' is not one of tensorboard, mlflow (or none)"
    ]
    assert not out.exists()


def test_logger_names_repeat_or_comma_separate():
    assert parse_loggers(None) is None
    assert parse_loggers(["TensorBoard, mlflow", "mlflow"]) == ("tensorboard", "mlflow")
    assert parse_loggers(["none"]) == ()


def test_the_cli_imports_no_tracker():
    code = "import sys, emotrain.cli; print(sorted({'mlflow', 'tensorboard'} & set(sys.modules)))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_env())
    assert proc.stdout.strip() == "[]", proc.stderr


def test_going_back_behind_logged_epochs_starts_a_new_mlflow_run(resumed, tmp_path, monkeypatch):
    """`resume --from best` redoes epochs MLflow already has: they cannot be deleted, so the new
    trajectory gets its own MLflow run, tagged with the one it continues; a plain continuation of
    that run then backfills and keeps its id."""
    from mlflow.tracking import MlflowClient

    from emotrain.training.loggers.base import LoggerOptions
    from emotrain.training.loggers.mlflow import MlflowLogger

    uri = resumed[1]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", "emotrain-branch-test")
    options = LoggerOptions(("mlflow",), uri)
    rows = [{"epoch": e, "train_loss": 1.0 / e, "val_loss": 2.0 / e} for e in (1, 2, 3)]

    def recorded() -> str:
        return json.loads((tmp_path / "loggers.json").read_text())["mlflow"]["runs"][NAME]

    first = MlflowLogger(tmp_path, options, resuming=False)
    first.on_model_start(NAME, {"models": [NAME]}, [])
    for row in rows:
        first.on_epoch_end(NAME, row["epoch"], row)
    first.close()  # interrupted: KILLED
    old = recorded()

    branch = MlflowLogger(tmp_path, options, resuming=True)
    branch.on_model_start(NAME, {"models": [NAME]}, rows[:1])  # back to epoch 1
    branch.close()
    new = recorded()
    client = MlflowClient(tracking_uri=uri)
    assert new != old
    assert client.get_run(new).data.tags["emotrain.continues_run"] == old
    assert client.get_run(old).info.status == "KILLED"

    again = MlflowLogger(tmp_path, options, resuming=True)
    again.on_model_start(NAME, {"models": [NAME]}, rows[:2])  # epoch 2 backfilled, not epoch 1
    again.on_model_end(NAME, "finished", {})
    assert recorded() == new
    assert [m.step for m in client.get_metric_history(new, "val_loss")] == [1, 2]
    assert client.get_run(new).info.status == "FINISHED"


def test_resume_refuses_a_recorded_tracker_whose_extra_is_gone(resumed, cli, monkeypatch):
    out = resumed[0]
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    monkeypatch.setitem(sys.modules, "mlflow", None)
    result = cli("resume", out, "--quiet")
    assert result.code == 2
    assert result.err_lines == [
        'error: --logger mlflow: mlflow is not installed; pip install "emotrain[mlflow]"'
    ]
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == before
