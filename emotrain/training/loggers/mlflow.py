"""One MLflow run per model per emotrain run: the resolved configuration as parameters, every
history column as a metric (step = epoch), and the run's files as artifacts.

The MLflow run id is recorded in RUN/loggers.json (written atomically when the MLflow run is made),
so `resume` continues the same MLflow run. An epoch is logged once its checkpoint is on disk, and a
resumed model first logs the recorded epochs MLflow has not seen (a kill can fall between the two):
MLflow metrics cannot be deleted, so an epoch is never logged twice. If MLflow holds epochs beyond
the checkpoint (`resume --from best` goes back), those curves belong to another trajectory: a new
MLflow run is made, tagged `emotrain.continues_run` with the old one's id.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from emotrain._version import __version__
from emotrain.runs.status import RunStatus
from emotrain.training.loggers.base import (
    LoggerOptions,
    flat_config,
    metric_values,
    read_record,
    write_record,
)

DEFAULT_EXPERIMENT = "emotrain"
#: Terminal MLflow status of a model's history status.
END_STATUS = {
    RunStatus.DIVERGED: "FAILED",
    RunStatus.EXPORT_FAILED: "FAILED",
    RunStatus.INTERRUPTED: "KILLED",
}


def artifact_folder(key: str) -> str:
    """Where a run file goes among the MLflow run's artifacts."""
    if key == "export":
        return "export"
    if key.endswith("_plot"):
        return "plots"
    if key.startswith("history"):
        return "history"
    return "run"


class MlflowLogger:
    name = "mlflow"

    def __init__(self, root: Path, options: LoggerOptions, *, resuming: bool) -> None:
        self.root, self.options, self.resuming = root, options, resuming
        self.client: Any = None
        self.uri: str | None = None
        self.runs: dict[str, str] = {}  # model -> MLflow run id, while the model trains

    def connect(self) -> Any:
        if self.client is None:
            import logging

            import mlflow

            for noisy in ("mlflow", "alembic"):  # "Creating initial MLflow database tables..."
                logging.getLogger(noisy).setLevel(logging.WARNING)
            from mlflow.tracking import MlflowClient

            self.uri = self.options.mlflow_uri or mlflow.get_tracking_uri()
            self.client = MlflowClient(tracking_uri=self.uri)
        return self.client

    def experiment_id(self) -> str:
        client = self.client
        name = os.environ.get("MLFLOW_EXPERIMENT_NAME") or DEFAULT_EXPERIMENT
        found = client.get_experiment_by_name(name)
        if found is not None:
            return found.experiment_id
        try:
            return client.create_experiment(name)
        except Exception:  # made meanwhile by another worker of the same study
            found = client.get_experiment_by_name(name)
            if found is None:
                raise
            return found.experiment_id

    def _record(self, model: str, run_id: str) -> None:
        record = read_record(self.root)
        mlflow = record.get("mlflow") if isinstance(record.get("mlflow"), dict) else {}
        runs = mlflow.get("runs") if isinstance(mlflow.get("runs"), dict) else {}
        runs[model] = run_id
        record["mlflow"] = {"tracking_uri": self.uri, "runs": runs}
        write_record(self.root, record)

    def _recorded_run(self, model: str) -> str | None:
        mlflow = read_record(self.root).get("mlflow")
        if not isinstance(mlflow, dict) or not isinstance(mlflow.get("runs"), dict):
            return None
        run_id = mlflow["runs"].get(model)
        if not isinstance(run_id, str):
            return None
        try:
            self.client.get_run(run_id)
        except Exception:  # another store, or the run was deleted: start a new one
            return None
        return run_id

    def _new_run(self, model: str, config: dict[str, Any], continues: str | None) -> str:
        from mlflow.entities import Param

        tags = {
            "emotrain.model": model,
            "emotrain.run_dir": str(self.root.resolve()),
            "emotrain.version": __version__,
            **self.options.tags,
        }
        if self.options.parent_run_id:
            tags["mlflow.parentRunId"] = self.options.parent_run_id
        if continues:
            tags["emotrain.continues_run"] = continues
        name = self.options.tags.get("emotrain.trial_number")
        run = self.client.create_run(
            self.experiment_id(), run_name=f"trial-{name}" if name else model, tags=tags
        )
        run_id = run.info.run_id
        params = flat_config({k: v for k, v in config.items() if k != "config_version"})
        items = [Param(k, str(v)[:6000]) for k, v in sorted(params.items())]
        for start in range(0, len(items), 100):  # MLflow takes at most 100 per batch
            self.client.log_batch(run_id, params=items[start : start + 100])
        self._record(model, run_id)
        return run_id

    def _logged_epochs(self, run_id: str) -> int:
        history = self.client.get_metric_history(run_id, "train_loss")
        return max((m.step for m in history), default=0)

    def on_model_start(
        self, model: str, config: dict[str, Any], rows: list[dict[str, Any]]
    ) -> None:
        self.connect()
        done = max((int(r["epoch"]) for r in rows), default=0)
        run_id = self._recorded_run(model) if self.resuming else None
        logged = 0
        if run_id is not None:
            logged = self._logged_epochs(run_id)
            if logged > done:  # MLflow saw epochs this trajectory will redo differently
                run_id, logged = self._new_run(model, config, continues=run_id), 0
            else:
                self.client.update_run(run_id, status="RUNNING")
        else:
            run_id = self._new_run(model, config, continues=None)
        self.runs[model] = run_id
        for row in rows:
            if int(row["epoch"]) > logged:
                self.on_epoch_end(model, int(row["epoch"]), row)

    def on_epoch_end(self, model: str, epoch: int, row: dict[str, Any]) -> None:
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        metrics = [Metric(k, v, now, epoch) for k, v in metric_values(row).items()]
        self.client.log_batch(self.runs[model], metrics=metrics)

    def on_model_end(self, model: str, status: str, artifacts: dict[str, Path]) -> None:
        run_id = self.runs.pop(model)
        for key, path in sorted(artifacts.items()):
            if Path(path).is_file():
                self.client.log_artifact(run_id, str(path), artifact_folder(key))
        self.client.set_tag(run_id, "emotrain.status", str(status))
        self.client.set_terminated(run_id, END_STATUS.get(status, "FINISHED"))

    def close(self) -> None:
        """Models still open here were interrupted: `resume` sets them running again."""
        for model in list(self.runs):
            run_id = self.runs.pop(model)
            self.client.set_tag(run_id, "emotrain.status", str(RunStatus.INTERRUPTED))
            self.client.set_terminated(run_id, "KILLED")
