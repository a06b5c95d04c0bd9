"""Experiment trackers in a study: each trial is an ordinary run with the study's `--logger`s, and
for MLflow a child of one parent run per study (tagged with its trial number).

Kept apart from the study machinery: the trackers ride in `StudySpec.extra["loggers"]` (written to
study.json, so `--workers` processes see them), and the parent run is made once by the process that
starts the study, and found again when the same study is continued.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from emotrain.training.loggers.base import LoggerOptions, resolve_options
from emotrain.tuning.study import STUDY_JSON, StudySpec

KEY = "loggers"


def with_trackers(spec: StudySpec, options: LoggerOptions | None) -> StudySpec:
    """Validate the trackers (a missing extra is refused here, before any work)."""
    resolved = resolve_options(options, spec.dir, resuming=False)
    if not resolved.names:
        return spec
    entry = {"names": list(resolved.names), "mlflow_uri": resolved.mlflow_uri}
    return replace(spec, extra={**spec.extra, KEY: entry})


def _recorded_parent(spec: StudySpec) -> str | None:
    try:
        recorded = json.loads((spec.dir / STUDY_JSON).read_text(encoding="utf-8"))
        return recorded["extra"][KEY]["parent_run_id"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def start_parent_run(spec: StudySpec) -> StudySpec:
    """The study's MLflow parent run (made, or the recorded one when the study continues)."""
    entry = spec.extra.get(KEY)
    if not entry or "mlflow" not in entry["names"]:
        return spec
    from emotrain.training.loggers.mlflow import MlflowLogger

    logger = MlflowLogger(spec.dir, LoggerOptions(tuple(entry["names"]), entry["mlflow_uri"]),
                          resuming=True)  # fmt: skip
    client = logger.connect()
    parent = _recorded_parent(spec)
    if parent is not None:
        try:
            client.get_run(parent)
        except Exception:  # another store now: a new parent there
            parent = None
    if parent is None:
        run = client.create_run(
            logger.experiment_id(),
            run_name=spec.study_name,
            tags={
                "emotrain.study_name": spec.study_name,
                "emotrain.study_dir": str(spec.dir),
                "emotrain.model": spec.model,
            },
        )
        parent = run.info.run_id
        for key in ("metric", "direction", "pruner", "seed", "trials"):
            client.log_param(parent, key, str(getattr(spec, key)))
    else:
        client.update_run(parent, status="RUNNING")
    entry = {**entry, "mlflow_uri": logger.uri, "parent_run_id": parent}
    return replace(spec, extra={**spec.extra, KEY: entry})


def finish_parent_run(spec: StudySpec, summary: dict[str, Any]) -> None:
    """The best trial on the parent run, which ends FINISHED (a continued study reopens it)."""
    entry = spec.extra.get(KEY) or {}
    if not entry.get("parent_run_id"):
        return
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=entry["mlflow_uri"])
    best = summary.get("best")
    if best is not None:
        client.log_metric(entry["parent_run_id"], f"best_{spec.metric}", float(best["value"]))
        client.set_tag(entry["parent_run_id"], "emotrain.best_trial", str(best["number"]))
    client.set_terminated(entry["parent_run_id"], "FINISHED")


def trial_loggers(spec: StudySpec, number: int) -> LoggerOptions | None:
    entry = spec.extra.get(KEY)
    if not entry:
        return None
    return LoggerOptions(
        names=tuple(entry["names"]),
        mlflow_uri=entry.get("mlflow_uri"),
        parent_run_id=entry.get("parent_run_id"),
        tags={"emotrain.trial_number": str(number), "emotrain.study_name": spec.study_name},
    )
