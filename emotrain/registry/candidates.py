"""What `registry add SOURCE` reads: a run folder, a checkpoint or an exported file -> Candidates.

A run folder or a checkpoint is exported afresh (verified against PyTorch, as `export-rtneural`
does); an exported JSON file is checked without PyTorch: its recorded verification must have
passed and the reference interpreter must reproduce the test vectors stored in the file, so a
hand-edited or truncated file is refused. Each candidate carries its lineage (lineage.py).
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emotrain.errors import ConfigError, DataError
from emotrain.io import sha256_file
from emotrain.registry.check import check_export
from emotrain.registry.lineage import build_lineage
from emotrain.registry.store import canonical_name
from emotrain.runs.paths import RunPaths, run_dir_of_checkpoint
from emotrain.tolerance import DEFAULT_TOLERANCE


@dataclass
class Candidate:
    """One model's file, ready to register."""

    name: str
    data: bytes
    lineage: dict[str, Any]


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
        path = RunPaths(run_dir).checkpoint(name, kind)
        if path.is_file() and sha256_file(path) == sha:
            return path
    return None


def _from_export(path: Path, tolerance: float, allow_untrained: bool = False) -> Candidate:
    from emotrain.runs.checkpoint import FORMAT, WRITTEN_BY_EMOTRAIN
    from emotrain.training.checkpoint import load_checkpoint
    from emotrain.training.readiness import check_trained

    data = path.read_bytes()
    verification = check_export(data, str(path), tolerance=tolerance)
    block = json.loads(data)["emotrain"]
    recorded = block.get("source_checkpoint") or {}
    ours = {"format": FORMAT} if recorded.get("written_by") == WRITTEN_BY_EMOTRAIN else {}
    untrained = check_trained(
        {**ours, "epoch": recorded.get("epoch")}, path, allow_untrained=allow_untrained
    )
    name = canonical_name(block["model"])
    run_dir = path.parent if RunPaths(path.parent).run_config.is_file() else None
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
    from emotrain.models.catalog import model_of_file_name, resolve_models
    from emotrain.runs.discovery import find_checkpoints, locate
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
