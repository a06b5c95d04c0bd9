"""`registry diff A B`: what differs between two versions' configurations, data and metrics.

Lineages are nested dicts; flattening them to dotted keys (`config.training.lr`) makes the answer
one line per difference, which is what a reviewer reads before promoting.
"""

from __future__ import annotations

from typing import Any

from emotrain.errors import ConfigError
from emotrain.registry.store import Version

_DATA_KEYS = ("fingerprint", "path", "format", "description")


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: value}


def _changes(a: Any, b: Any) -> list[dict[str, Any]]:
    fa, fb = flatten(a or {}), flatten(b or {})
    return [
        {"key": key, "a": fa.get(key), "b": fb.get(key)}
        for key in sorted(set(fa) | set(fb))
        if fa.get(key) != fb.get(key)
    ]


def _own(config: Any) -> Any:
    """The configuration without `models`: which other networks the command trained beside this
    one does not change it (each model has its own seed), and a resumed checkpoint records only
    its own, so comparing the lists would report a difference between identical weights."""
    if not isinstance(config, dict):
        return config
    return {k: v for k, v in config.items() if k != "models"}


def _metrics(a: dict | None, b: dict | None) -> list[dict[str, Any]]:
    a, b = a or {}, b or {}
    rows = []
    for key in sorted(set(a) | set(b)):
        va, vb = a.get(key), b.get(key)
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (va, vb))
        rows.append({"metric": key, "a": va, "b": vb, "b_minus_a": vb - va if numeric else None})
    return rows


def diff_versions(a: Version, b: Version) -> dict[str, Any]:
    """What differs between two versions of one network (two networks: a usage error, as in
    `compare`: their configurations and metrics do not measure the same thing)."""
    if a.name != b.name:
        raise ConfigError(
            f"A is {a.ref} ({a.name}) and B is {b.ref} ({b.name}): diff two versions of the "
            "same network"
        )
    la, lb = a.lineage, b.lineage
    data_a, data_b = la.get("data") or {}, lb.get("data") or {}
    split_a, split_b = la.get("split_manifest") or {}, lb.get("split_manifest") or {}
    return {
        "a": a.ref,
        "b": b.ref,
        "same_model": a.name == b.name,
        "same_file": a.sha256 == b.sha256,
        "config": _changes(_own(la.get("config")), _own(lb.get("config"))),
        "data": [
            {"key": k, "a": data_a.get(k), "b": data_b.get(k)}
            for k in _DATA_KEYS
            if data_a.get(k) != data_b.get(k)
        ],
        "same_split": bool(split_a.get("sha256"))
        and split_a.get("sha256") == split_b.get("sha256"),
        "val_metrics": _metrics(la.get("val_metrics"), lb.get("val_metrics")),
        "source_checkpoint": _changes(la.get("source_checkpoint"), lb.get("source_checkpoint")),
        "feature_recipe_differs": la.get("feature_recipe") != lb.get("feature_recipe"),
    }
