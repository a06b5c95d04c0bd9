"""What a registered version records about where it came from, and the check every export passes.

A version is the exact bytes of an RTNeural file. Its lineage answers "where did this come from?"
months later, when the run folder may be gone: the checkpoint's SHA-256, the data fingerprint and
corpus, the resolved training configuration, the split manifest's hash, validation metrics and the
evaluation verdict when a report sits in the run, the export's verification figures, versions,
the git commit of the project the source lies in, the tune trial it came from, and its parent.

A run folder or a checkpoint is exported afresh (verified against PyTorch, as `export-rtneural`
does); an exported JSON file is checked without PyTorch: its recorded verification must have
passed and the reference interpreter must reproduce the test vectors stored in the file, so a
hand-edited or truncated file is refused.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emotrain._version import __version__
from emotrain.errors import ConfigError, DataError
from emotrain.io import sha256_file
from emotrain.registry.check import check_export
from emotrain.registry.records import check_parent_count
from emotrain.registry.store import Registry, Version, canonical_name, now, sha256_bytes, who
from emotrain.runs.paths import run_dir_of_checkpoint
from emotrain.tolerance import DEFAULT_TOLERANCE

TUNE_TRIAL_FILE = "tune_trial.json"
_TUNE_KEYS = ("study_name", "storage", "trial_number", "params", "study_dir")
_EVALUATION_FILES = ("evaluation_results.json", "evaluation/evaluation_results.json")


@dataclass
class Candidate:
    """One model's file, ready to register."""

    name: str
    data: bytes
    lineage: dict[str, Any]


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
    if run_dir is not None and (run_dir / "splits" / f"{name}_split.json").is_file():
        path = run_dir / "splits" / f"{name}_split.json"
        return {"file": str(path), "sha256": sha256_file(path)}
    split = ckpt.get("split")
    if isinstance(split, dict) and split:
        text = json.dumps(split, sort_keys=True, allow_nan=False).encode()
        return {"file": None, "sha256": sha256_bytes(text), "from": "the checkpoint's copy"}
    return None


def _config(ckpt: dict[str, Any], run_dir: Path | None) -> dict[str, Any] | None:
    recorded = ckpt.get("config")
    if isinstance(recorded, dict) and recorded:
        return recorded
    if run_dir is not None:
        config = _read_json(run_dir / "run_config.json")
        if isinstance(config, dict):
            return config
    return None


def _old_metrics(ckpt: dict[str, Any]) -> dict[str, Any] | None:
    """The old scripts' `metrics`: lists per epoch; their last values are what the file ended on."""
    metrics = ckpt.get("metrics")
    if not isinstance(metrics, dict):
        return None
    out = {}
    for key, value in metrics.items():
        if isinstance(value, list) and value and isinstance(value[-1], (int, float)):
            out[key] = float(value[-1])
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            out[key] = float(value)
    return out or None


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
    ours = ckpt.get("format") == "emotrain-checkpoint"
    val_metrics = block.get("val_metrics")
    if val_metrics is None and ckpt and not ours:
        val_metrics = _old_metrics(ckpt)
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
        "checkpoint_format": (None if not ckpt else ("emotrain" if ours else "old-pipeline")),
        "epoch": ckpt.get("epoch"),
        "best_epoch": ckpt.get("best_epoch", block.get("best_epoch")),
        "data": {
            "fingerprint": block.get("data_fingerprint") or ckpt.get("data_fingerprint"),
            "description": block.get("training_data") or ckpt.get("data_description"),
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
            "trained_with_emotrain": ckpt.get("emotrain_version"),
            "exported_with_emotrain": block.get("emotrain_version"),
            "registered_with_emotrain": __version__,
            "torch": torch.__version__,
        },
        "git": git_origin(where),
        "tune": _tune_origin(run_dir),
        "registered": now(),
        "registered_by": who(),
    }


# ---- sources ------------------------------------------------------------------------------------


def _from_checkpoint(
    path: Path,
    run_dir: Path | None,
    kind: str,
    source: Path,
    tolerance: float,
    allow_untrained: bool = False,
):
    from emotrain.export.rtneural import export_checkpoint
    from emotrain.training.checkpoint import load_checkpoint

    with tempfile.TemporaryDirectory(prefix="emotrain-registry-") as tmp:
        result = export_checkpoint(
            path, Path(tmp), verify=True, tolerance=tolerance, allow_untrained=allow_untrained
        )
        data = result.path.read_bytes()
    block = json.loads(data)["emotrain"]
    lineage = build_lineage(
        result.name,
        block,
        kind=kind,
        source=source,
        ckpt=load_checkpoint(path),
        ckpt_path=path,
        run_dir=run_dir,
        verification=block.get("verification"),
    )
    if result.note:
        lineage["untrained"] = True
    return Candidate(result.name, data, lineage)


def _matching_checkpoint(run_dir: Path, name: str, sha: str | None) -> Path | None:
    """The run's checkpoint this export was made from (same SHA-256), if it is still there."""
    if not sha:
        return None
    for kind in ("best", "latest"):
        path = run_dir / "checkpoints" / f"{name}_{kind}.pt"
        if path.is_file() and sha256_file(path) == sha:
            return path
    return None


def _from_export(path: Path, tolerance: float, allow_untrained: bool = False) -> Candidate:
    from emotrain.training.checkpoint import FORMAT, load_checkpoint
    from emotrain.training.readiness import check_trained

    data = path.read_bytes()
    verification = check_export(data, str(path), tolerance=tolerance)
    block = json.loads(data)["emotrain"]
    recorded = block.get("source_checkpoint") or {}
    ours = {"format": FORMAT} if recorded.get("written_by") == "emotrain" else {}
    untrained = check_trained(
        {**ours, "epoch": recorded.get("epoch")}, path, allow_untrained=allow_untrained
    )
    name = canonical_name(block["model"])
    run_dir = path.parent if (path.parent / "run_config.json").is_file() else None
    ckpt_path = None
    if run_dir is not None:
        recorded = block.get("source_checkpoint") or {}
        ckpt_path = _matching_checkpoint(run_dir, name, recorded.get("sha256"))
        if ckpt_path is None:
            run_dir = None  # the run moved on since this export: its files describe another model
    lineage = build_lineage(
        name,
        block,
        kind="export",
        source=path,
        ckpt=load_checkpoint(ckpt_path) if ckpt_path else None,
        ckpt_path=ckpt_path,
        run_dir=run_dir,
        verification=verification,
    )
    if untrained:
        lineage["untrained"] = True
    return Candidate(name, data, lineage)


def collect(
    source: str | Path,
    *,
    models: Any = None,
    tolerance: float = DEFAULT_TOLERANCE,
    allow_untrained: bool = False,
) -> list[Candidate]:
    """The files `registry add SOURCE` registers: one per model of a run folder, else one.

    Models of a run that is still training are refused (training/readiness.py), and so is a
    checkpoint that never finished an epoch unless `allow_untrained`."""
    from emotrain.evaluation.discovery import find_checkpoints, locate
    from emotrain.models.registry import model_of_file_name, resolve_models
    from emotrain.training.readiness import check_not_training

    source = Path(source)
    if not source.exists():
        raise ConfigError(f"SOURCE: no such run folder, checkpoint or exported file: {source}")
    wanted = resolve_models(models) if models else None
    if source.is_dir():
        folder, run_dir = locate(source)
        try:
            found = find_checkpoints(folder, wanted)
        except DataError as exc:
            raise ConfigError(f"SOURCE: {exc}") from exc
        check_not_training(source, [f.name for f in found])
        return [
            _from_checkpoint(f.path, run_dir, "run", source, tolerance, allow_untrained)
            for f in found
        ]
    if source.suffix.lower() == ".json":
        candidate = _from_export(source, tolerance, allow_untrained)
    else:
        name = model_of_file_name(source.name)
        check_not_training(source, [name] if name else [])
        candidate = _from_checkpoint(
            source, run_dir_of_checkpoint(source), "checkpoint", source, tolerance,
            allow_untrained,
        )  # fmt: skip
    if wanted and candidate.name not in wanted:
        raise ConfigError(f"--model: {source} holds {candidate.name}, not {', '.join(wanted)}")
    return [candidate]


def network_sha256(data: bytes) -> str:
    """SHA-256 of what RTNeural reads (`in_shape` and `layers`): two files that differ only in
    their "emotrain" block (say, test vectors of another seed) hold the same network."""
    doc = json.loads(data)
    text = json.dumps([doc.get("in_shape"), doc.get("layers")], sort_keys=True, allow_nan=False)
    return sha256_bytes(text.encode())


def _auto_parent(registry: Registry, candidate: Candidate) -> tuple[str | None, str | None]:
    """An earlier version registered from the same run folder: the run went on (resumed, or
    trained further) since; or the same tune trial, registered from another copy of its folder.
    A version holding the same network is no parent: nothing was trained in between."""
    source = candidate.lineage["source"]
    tune = candidate.lineage.get("tune") or {}
    trial = (tune.get("storage"), tune.get("study_name"), tune.get("trial_number"))
    network = candidate.lineage.get("network_sha256")
    for version in reversed(registry.versions(candidate.name)):
        if version.lineage.get("network_sha256") == network:
            continue
        earlier = version.lineage.get("source", {})
        if source.get("run_dir") and earlier.get("run_dir") == source["run_dir"]:
            return version.ref, "an earlier version from the same run folder (resumed or retrained)"
        other = version.lineage.get("tune") or {}
        if tune and trial == (
            other.get("storage"),
            other.get("study_name"),
            other.get("trial_number"),
        ):
            return version.ref, "an earlier version of the same tune trial"
    return None, None


def register(
    registry: Registry,
    source: str | Path,
    *,
    models: Any = None,
    parent: str | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    candidates: list[Candidate] | None = None,
) -> list[tuple[Version, bool]]:
    """`registry add`: every model of `source` as a version, (version, newly added) each.

    Everything is checked and exported before the first version is added, so a run folder whose
    third model fails verification adds nothing. `candidates`: what `collect` already gathered
    (the CLI collects before it opens, so a refused add creates no registry).
    """
    if candidates is None:
        candidates = collect(source, models=models, tolerance=tolerance)
    check_parent_count(parent, candidates)
    results = []
    for candidate in candidates:
        network = network_sha256(candidate.data)
        same = next(
            (v.ref for v in registry.versions(candidate.name)
             if v.lineage.get("network_sha256") == network),
            None,
        )  # fmt: skip
        candidate.lineage.update(network_sha256=network, same_network_as=same)
        chosen, why = (parent, "--parent") if parent else _auto_parent(registry, candidate)
        if parent:
            name, _, _ = parent.partition("@")
            chosen = f"{canonical_name(name)}@{parent.partition('@')[2]}"
        lineage = {**candidate.lineage, "parent": chosen, "parent_reason": why}
        results.append(registry.add(candidate.name, candidate.data, lineage))
    return results
