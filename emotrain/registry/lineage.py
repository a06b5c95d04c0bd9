"""What a registered version records about where it came from, and the check every export passes.

A version is the exact bytes of an RTNeural file. Its lineage answers "where did this come from?"
months later, when the run folder may be gone: the checkpoint's SHA-256, the data fingerprint and
corpus, the resolved training configuration, the split manifest's hash, validation metrics and the
evaluation verdict when a report sits in the run, the export's verification figures, versions,
the git commit of the project the source lies in, the tune trial it came from, and its parent.

Where the files come from is candidates.py; adding them with a parent, add.py.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from emotrain._version import __version__
from emotrain.io import sha256_file
from emotrain.registry.store import now, sha256_bytes, who
from emotrain.runs.checkpoint import Checkpoint
from emotrain.runs.paths import RunPaths

TUNE_TRIAL_FILE = "tune_trial.json"
_TUNE_KEYS = ("study_name", "storage", "trial_number", "params", "study_dir")
_EVALUATION_FILES = ("evaluation_results.json", "evaluation/evaluation_results.json")


# ---- lineage pieces -----------------------------------------------------------------------------


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return None


def git_origin(folder: Path) -> dict[str, Any] | None:
    """The commit of the git work tree `folder` lies in, and whether it had local changes."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", "-C", str(folder), *args],
                capture_output=True,
                text=True,
                timeout=20,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    top = git("rev-parse", "--show-toplevel")
    commit = git("rev-parse", "HEAD") if top else None
    if not commit:
        return None
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(status), "work_tree": top}


def _tune_origin(run_dir: Path | None) -> dict[str, Any] | None:
    if run_dir is None or not (run_dir / TUNE_TRIAL_FILE).is_file():
        return None
    trial = _read_json(run_dir / TUNE_TRIAL_FILE)
    if not isinstance(trial, dict):
        return {"file": str(run_dir / TUNE_TRIAL_FILE), "unreadable": True}
    return {key: trial.get(key) for key in _TUNE_KEYS}


def _evaluation(run_dir: Path | None, name: str) -> dict[str, Any] | None:
    """The verdict of an `evaluate` report found in the run, if it judged this model."""
    if run_dir is None:
        return None
    for relative in _EVALUATION_FILES:
        report = _read_json(run_dir / relative)
        entry = report.get("models", {}).get(name) if isinstance(report, dict) else None
        if isinstance(entry, dict):
            headline = entry.get("headline") if isinstance(entry.get("headline"), dict) else {}
            return {
                "file": str(run_dir / relative),
                "created": report.get("created"),
                "checkpoint": entry.get("checkpoint"),
                "verdict": headline.get("verdict"),
                "ci": headline.get("ci"),
                "headline": headline or None,
                "metrics": entry.get("metrics"),
            }
    return None


def _split(run_dir: Path | None, ckpt: dict[str, Any], name: str) -> dict[str, Any] | None:
    if run_dir is not None and RunPaths(run_dir).split(name).is_file():
        path = RunPaths(run_dir).split(name)
        return {"file": str(path), "sha256": sha256_file(path)}
    split = Checkpoint.from_dict(ckpt).split
    if isinstance(split, dict) and split:
        text = json.dumps(split, sort_keys=True, allow_nan=False).encode()
        return {"file": None, "sha256": sha256_bytes(text), "from": "the checkpoint's copy"}
    return None


def _config(ckpt: dict[str, Any], run_dir: Path | None) -> dict[str, Any] | None:
    recorded = Checkpoint.from_dict(ckpt).config
    if isinstance(recorded, dict) and recorded:
        return recorded
    if run_dir is not None:
        config = _read_json(RunPaths(run_dir).run_config)
        if isinstance(config, dict):
            return config
    return None


def build_lineage(
    name: str,
    block: dict[str, Any],
    *,
    kind: str,
    source: Path,
    ckpt: dict[str, Any] | None,
    ckpt_path: Path | None,
    run_dir: Path | None,
    verification: dict[str, Any] | None,
) -> dict[str, Any]:
    """Everything a version records, from the export's block and (when known) its checkpoint."""
    import torch

    ckpt = ckpt or {}
    config = _config(ckpt, run_dir) if ckpt or run_dir else None
    data_cfg = config.get("data", {}) if isinstance(config, dict) else {}
    named = Checkpoint.from_dict(ckpt)
    val_metrics = block.get("val_metrics")
    if val_metrics is None and ckpt:
        val_metrics = named.old_scripts_metrics()  # None for ours
    where = ckpt_path.parent if ckpt_path is not None else source.parent
    return {
        "model": name,
        "source": {
            "kind": kind,
            "path": str(source.resolve()),
            "checkpoint": None if ckpt_path is None else str(ckpt_path.resolve()),
            "run_dir": None if run_dir is None else str(run_dir.resolve()),
        },
        "source_checkpoint": block.get("source_checkpoint"),
        "checkpoint_format": named.format_label if ckpt else None,
        "epoch": named.epoch,
        "best_epoch": named.best_epoch if named.has("best_epoch") else block.get("best_epoch"),
        "data": {
            "fingerprint": block.get("data_fingerprint") or named.data_fingerprint,
            "description": block.get("training_data") or named.data_description,
            "path": data_cfg.get("path"),
            "format": data_cfg.get("format"),
        },
        "config": config,
        "split_manifest": _split(run_dir, ckpt, name),
        "val_metrics": val_metrics,
        "evaluation": _evaluation(run_dir, name),
        "verification": verification,
        "feature_recipe": block.get("feature_recipe"),
        "versions": {
            "trained_with_emotrain": named.emotrain_version,
            "exported_with_emotrain": block.get("emotrain_version"),
            "registered_with_emotrain": __version__,
            "torch": torch.__version__,
        },
        "git": git_origin(where),
        "tune": _tune_origin(run_dir),
        "registered": now(),
        "registered_by": who(),
    }


def network_sha256(data: bytes) -> str:
    """SHA-256 of what RTNeural reads (`in_shape` and `layers`): two files that differ only in
    their "emotrain" block (say, test vectors of another seed) hold the same network."""
    doc = json.loads(data)
    text = json.dumps([doc.get("in_shape"), doc.get("layers")], sort_keys=True, allow_nan=False)
    return sha256_bytes(text.encode())
