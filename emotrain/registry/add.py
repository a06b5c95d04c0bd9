"""`registry add`: candidates become versions, each with its parent (given, or found)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from emotrain.registry.candidates import Candidate, collect
from emotrain.registry.lineage import network_sha256
from emotrain.registry.records import check_parent_count
from emotrain.registry.store import Registry, Version, canonical_name
from emotrain.tolerance import DEFAULT_TOLERANCE


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
