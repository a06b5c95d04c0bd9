"""Which five files the plugin would load, from a shipped folder, a run, a folder or a registry alias.

The plugin reads `<models folder>/<name>.json` and falls back to heuristics, silently, for a file it
cannot find or parse. Preview resolves SOURCE to exactly those bytes and records the same verdict per
network, so what it shows is what the plugin would do with the same folder. A shipped folder (one
with `models.lock.json`) is checked against its lock first: a file changed after shipping is not the
set anyone approved, so previewing it would be misleading and is refused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emotrain.errors import ConfigError, DataError, ExportError
from emotrain.plugin.wiring import EMOTION, HARMONY, NAMES, SHAPES
from emotrain.runs.paths import RunPaths


@dataclass
class Network:
    """One network as the plugin would find it: loaded, or absent with the reason it falls back."""

    name: str
    file: str
    sha256: str | None = None
    version: str | None = None
    lock_entry: dict[str, Any] | None = None
    source_checkpoint: Any = None
    feature_recipe: Any = None
    model: Any = None  # a ReferenceModel when loaded
    problem: str | None = None
    warning: str | None = None

    @property
    def loaded(self) -> bool:
        return self.model is not None

    def describe(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "sha256": self.sha256,
            "version": self.version,
            "lock_entry": self.lock_entry,
            "source_checkpoint": self.source_checkpoint,
            "status": "loaded" if self.loaded else "heuristics",
            "problem": self.problem,
            "feature_recipe": self.feature_recipe,
            "warning": self.warning,
        }


@dataclass
class ModelSet:
    kind: str  # shipped, run, folder or registry
    where: str
    networks: dict[str, Network] = field(default_factory=dict)

    def get(self, name: str) -> Network:
        return self.networks[name]

    def not_run(self) -> dict[str, str]:
        """Networks that loaded but that preview does not run, with why: without the emotion
        recognizer the plugin feeds the others its heuristic emotion, which preview does not
        reproduce, so dynamics, groove, harmony and melody are not run either."""
        emotion = self.networks.get(EMOTION)
        if emotion is None or emotion.loaded:
            return {}
        why = emotion.problem or "not loaded"
        return {
            name: f"{net.file} not run: it takes the emotion recognizer's output ({why})"
            for name, net in self.networks.items()
            if name != EMOTION and net.loaded
        }

    def describe(self) -> dict[str, Any]:
        not_run = self.not_run()
        networks = {n: net.describe() for n, net in self.networks.items()}
        for name, why in not_run.items():
            networks[name] |= {"status": "not_run", "problem": why}
        return {"kind": self.kind, "where": self.where, "networks": networks}


def _load(name: str, file: str, data: bytes | None, missing: str, **known: Any) -> Network:
    """Parse the bytes as the plugin would; an unusable file becomes a fallback, not an error."""
    from emotrain.plugin.reference import ReferenceModel
    from emotrain.registry.store import sha256_bytes

    net = Network(name, file, **known)
    if data is None:
        net.problem = missing
        return net
    net.sha256 = sha256_bytes(data)
    try:
        model = ReferenceModel(data)
    except ExportError as exc:
        net.problem = f"does not parse as RTNeural JSON ({exc})"
        return net
    want = SHAPES[name]
    if (model.in_size, model.out_size) != want:
        net.problem = (
            f"takes {model.in_size} inputs and gives {model.out_size} outputs; the plugin feeds "
            f"{want[0]} and reads {want[1]}"
        )
        return net
    block = json.loads(data).get("emotrain")
    if isinstance(block, dict):
        net.source_checkpoint = block.get("source_checkpoint")
        net.feature_recipe = block.get("feature_recipe")
    net.model = model
    _check_recipe(net)
    return net


def _check_recipe(net: Network) -> None:
    """A network exported for other audio features still runs in the plugin, on the features the
    plugin computes today, which is what preview feeds it: worth a warning, not a refusal."""
    from emotrain.models.catalog import AUDIO_FEATURES

    recipe = net.feature_recipe
    if net.name in (EMOTION, HARMONY) and recipe is not None and recipe != AUDIO_FEATURES:
        net.warning = (
            f"exported for the feature recipe {str(recipe)[:120]!r}; the plugin (and this preview) "
            f"computes {AUDIO_FEATURES!r}"
        )


def _from_folder(folder: Path) -> ModelSet:
    from emotrain.registry.ship import LOCK_FILE, verify_folder

    if (folder / LOCK_FILE).exists():
        check = verify_folder(folder)
        if not check.ok:
            raise DataError(
                f"--models: {folder} does not match its {LOCK_FILE}: {'; '.join(check.problems)} "
                "(run `emotrain registry verify` and ship the set again)"
            )
        lock = check.lock or {"models": {}}
        kind = "shipped"
    else:
        lock = {"models": {}}
        kind = "run" if RunPaths(folder).run_config.is_file() else "folder"
    models = ModelSet(kind, str(folder))
    for name in NAMES:
        entry = lock["models"].get(name)
        file = str(entry.get("file", f"{name}.json")) if entry else f"{name}.json"
        path = folder / file
        data = path.read_bytes() if path.is_file() else None
        version = str(entry.get("version")) if entry else None
        models.networks[name] = _load(
            name, file, data, f"no {file} in {folder}", version=version, lock_entry=entry
        )
    return models


def _from_registry(root: Path, alias: str) -> ModelSet:
    from emotrain.registry.store import Registry

    models = ModelSet("registry", f"{root} alias {alias}")
    with Registry(root, create=False) as registry:
        for name in NAMES:
            holder = registry.holder(name, alias)
            data = None if holder is None else registry.read_object(holder)
            models.networks[name] = _load(
                name,
                f"{name}.json",
                data,
                f"no version of {name} holds the alias {alias!r}",
                version=None if holder is None else holder.ref,
            )
    return models


def resolve(
    models: Path | None, registry: Path | None = None, alias: str | None = None
) -> ModelSet:
    """The set the plugin would load; ConfigError when SOURCE holds no usable network at all."""
    if models is None and registry is None:
        raise ConfigError(
            "give the models with --models DIR (a shipped folder, a run folder or a folder of "
            "<name>.json files) or with --registry DIR (and --alias NAME, default shipped)"
        )
    if models is not None and registry is not None:
        raise ConfigError("--models and --registry: give one of them, not both")
    if models is not None:
        if alias is not None:
            raise ConfigError("--alias: only with --registry DIR")
        if not models.is_dir():
            raise ConfigError(f"--models: {models} is not a folder")
        found = _from_folder(models)
    else:
        found = _from_registry(registry, alias or "shipped")
    if not any(net.loaded for net in found.networks.values()):
        problems = "; ".join(net.problem or "" for net in found.networks.values())
        raise ConfigError(f"--models: no usable model in {found.where}: {problems}")
    return found
