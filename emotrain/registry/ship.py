"""Shipping: the plugin's models folder holds one locked set of files, replaced as a whole.

The plugin reads `<models folder>/<name>.json` and silently falls back to heuristics when a file is
missing or bad, so a half-copied set (a new emotion recognizer beside an old harmony predictor
whose audio features it no longer agrees with) would go unnoticed. So a ship writes the complete
new folder beside the old one (`.<folder>.ship-<random>`), fsyncs it, and swaps the two with one
rename: an interruption at any point before the swap leaves the old folder exactly as it was. On
Linux the swap is `renameat2(RENAME_EXCHANGE)`, atomic even when the folder exists; elsewhere it is
two renames, and a ship interrupted between them is put right by the next ship or verify.

`models.lock.json` lists each file's version, SHA-256 and feature recipe; `verify_folder` checks a
folder against it.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emotrain.errors import ConfigError, DataError
from emotrain.io import atomic_write_bytes, check_folder_writable, fsync_dir, sha256_file
from emotrain.registry.store import Registry, now, sha256_bytes, who
from emotrain.registry.swap import recover, swap_in

LOCK_FILE = "models.lock.json"
LOCK_FORMAT = "emotrain-models-lock"
LOCK_VERSION = 1


@dataclass(frozen=True)
class ShippedModel:
    name: str
    version: str
    sha256: str
    changed: bool  # False when the folder already held this exact file


@dataclass
class ShipResult:
    folder: Path
    models: list[ShippedModel]
    lock: dict[str, Any]


@dataclass
class VerifyResult:
    folder: Path
    checked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    lock: dict[str, Any] | None = None  # the lock file as read, for callers that load the set

    @property
    def ok(self) -> bool:
        return not self.problems


def _recipe(data: bytes) -> Any:
    block = json.loads(data).get("emotrain")
    return block.get("feature_recipe") if isinstance(block, dict) else None


def _read_lock(folder: Path) -> dict[str, Any] | None:
    path = folder / LOCK_FILE
    if not path.is_file():
        return None
    try:
        lock = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"{path} is corrupt: not valid JSON ({exc})") from exc
    if not isinstance(lock, dict) or lock.get("format") != LOCK_FORMAT:
        raise DataError(f"{path} is not an emotrain lock file")
    if not isinstance(lock.get("models"), dict):
        raise DataError(f"{path} has no 'models' table")
    return lock


# ---- the folder swap ----------------------------------------------------------------------------


def _write_member(path: Path, data: bytes) -> None:
    """One file of the new set (a separate function so tests can interrupt a ship here)."""
    atomic_write_bytes(path, data)


def _carry_over(old: Path, new: Path, skip: set[str]) -> None:
    """Everything else the plugin's folder held (its other assets) goes into the new set too."""
    if not old.is_dir():
        return
    for entry in old.iterdir():
        if entry.name in skip:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.copytree(entry, new / entry.name, symlinks=True)
        else:
            shutil.copy2(entry, new / entry.name, follow_symlinks=False)


# ---- ship ---------------------------------------------------------------------------------------


def _members(
    registry: Registry, alias: str, names: tuple[str, ...]
) -> dict[str, tuple[str, bytes]]:
    missing, members = [], {}
    for name in names:
        holder = registry.holder(name, alias)
        if holder is None:
            missing.append(name)
        else:
            members[name] = (holder.ref, registry.read_object(holder))
    if missing:
        raise DataError(
            f"no version holds the alias {alias!r} for {', '.join(missing)}; promote one first "
            f"(emotrain registry promote {missing[0]}@N --alias {alias}) or choose models with "
            "--model"
        )
    return members


def _kept(target: Path, lock: dict[str, Any] | None, names: tuple[str, ...]) -> dict:
    """Models of the current set that this ship does not replace: kept, if they are intact."""
    kept: dict[str, tuple[str, bytes]] = {}
    if lock is None:
        return kept
    for name, entry in lock["models"].items():
        if name in names:
            continue
        path = target / str(entry.get("file", f"{name}.json"))
        if not path.is_file() or sha256_file(path) != entry.get("sha256"):
            raise DataError(
                f"{path} does not match {target / LOCK_FILE}; run `emotrain registry verify "
                f"{target}` and ship every model (without --model) to replace the set"
            )
        kept[name] = (str(entry.get("version")), path.read_bytes())
    return kept


def _check_recipes(members: dict[str, tuple[str, bytes]]) -> None:
    recipes = {name: _recipe(data) for name, (_, data) in members.items()}
    distinct = {json.dumps(r, sort_keys=True) for r in recipes.values() if r is not None}
    if len(distinct) > 1:
        shown = "; ".join(
            f"{members[n][0]}: {str(r)[:80]!r}" for n, r in recipes.items() if r is not None
        )
        raise DataError(
            f"refusing to ship a set whose feature recipes disagree ({shown}); the plugin computes "
            "one set of audio features for all of them"
        )


def _unlisted(target: Path, lock: dict[str, Any] | None, entries: dict, everything: dict) -> list:
    """Model files (and C++ companions) this ship would replace that no previous lock lists: the
    user's own (a file with the very bytes being shipped loses nothing, so it does not count)."""
    listed = set()
    for n, e in ((lock or {}).get("models") or {}).items():
        listed.add(str(e.get("file", f"{n}.json")))
        listed.update((e.get("companions") or {}).keys())
    found = []
    for name, entry in entries.items():
        wanted = {f"{name}.json": entry["sha256"], **entry["companions"]}
        for rel, sha in wanted.items():
            path = target / rel
            if rel in listed or not path.is_file():
                continue
            if sha256_file(path) != sha:
                found.append(rel)
    return found


def check_target(target: Path) -> None:
    """--to, checked before the registry is opened: one line, exit 2, nothing touched."""
    check_folder_writable(target, "--to")
    if target.is_dir():  # the new set is written beside it, then swapped in
        check_folder_writable(target.parent, "--to")
    if target.exists() and not target.is_dir():
        raise ConfigError(f"--to: {target} is a file; give the plugin's models folder")
    if target.is_dir() and os.path.ismount(target):
        raise ConfigError(
            f"--to: {target} is a mount point, and a ship replaces its folder as a whole by a "
            f"rename, which a mount point refuses; ship into a folder inside it (--to "
            f"{target / 'models'}) and point the plugin there"
        )


def ship(
    registry: Registry,
    alias: str,
    to: str | Path,
    *,
    models: Any = None,
    replace_unlisted: bool = False,
) -> ShipResult:
    """Write the alias holders (all five networks, or `models`) into `to` as one locked set.

    Files of the folder that no previous `models.lock.json` lists are the user's: a model file
    this ship would replace is refused by name unless `replace_unlisted`; anything else is kept.
    """
    from emotrain.export.companions import companion_files
    from emotrain.models.catalog import MODEL_NAMES, resolve_models

    # The real folder: a symlinked models folder keeps its link, and `--to .` has a name.
    target = Path(to).resolve()
    check_target(target)
    names = resolve_models(models) if models else MODEL_NAMES
    if target.parent.is_dir():
        recover(target)
    members = _members(registry, alias, names)
    lock_before = _read_lock(target) if target.is_dir() else None
    kept = _kept(target, lock_before, names)
    everything = {**kept, **members}
    _check_recipes(everything)

    entries, extra = {}, {}
    for name in MODEL_NAMES:
        if name in everything:
            version, data = everything[name]
            extra[name] = companion_files(data, name)  # <name>.h, <name>.golden/: from the JSON
            entries[name] = {
                "file": f"{name}.json",
                "version": version,
                "sha256": sha256_bytes(data),
                "bytes": len(data),
                "feature_recipe": _recipe(data),
                "companions": {rel: sha256_bytes(b) for rel, b in extra[name].items()},
            }
    lock = {
        "format": LOCK_FORMAT,
        "format_version": LOCK_VERSION,
        "alias": alias,
        "registry": str(registry.root.resolve()),
        "shipped": now(),
        "shipped_by": who(),
        "models": entries,
    }
    unlisted = _unlisted(target, lock_before, entries, everything)
    if unlisted and not replace_unlisted:
        raise DataError(
            f"{target} holds {', '.join(unlisted)}, which no previous {LOCK_FILE} lists (not "
            "shipped by the registry); move it away, or pass --replace-unlisted to replace it; "
            "nothing was changed"
        )
    # Folders above the target are made only now, once every check passed, and removed again
    # if the write fails: a refused ship leaves nothing behind.
    made = [p for p in (target.parent, *target.parent.parents) if not p.exists()]
    target.parent.mkdir(parents=True, exist_ok=True)
    new = target.parent / f".{target.name}.ship-{secrets.token_hex(4)}"
    new.mkdir()
    try:
        # Every file this ship does not write stays, the user's unlisted model files included.
        # (a <name>.golden/ folder is carried over too, so files the user put in it stay; the
        # companions themselves are then written over their old copies)
        _carry_over(target, new, {f"{n}.json" for n in entries} | {f"{n}.h" for n in entries}
                    | {LOCK_FILE})  # fmt: skip
        for name in entries:
            _write_member(new / f"{name}.json", everything[name][1])
            for rel, content in extra[name].items():
                (new / rel).parent.mkdir(parents=True, exist_ok=True)
                _write_member(new / rel, content)
        text = json.dumps(lock, indent=2, allow_nan=False, ensure_ascii=False) + "\n"
        atomic_write_bytes(new / LOCK_FILE, text.encode("utf-8"))
        fsync_dir(new)
        try:
            swap_in(new, target)
        except OSError as exc:
            if exc.errno != errno.EBUSY:
                raise
            raise DataError(
                f"--to: {target} cannot be replaced ({exc.strerror}: it is a mount point or in "
                f"use); ship into a folder inside it (--to {target / 'models'}); nothing was changed"
            ) from exc
    except BaseException:
        with contextlib.suppress(OSError):
            shutil.rmtree(new)
        for folder in made:  # deepest first; one that is no longer empty stays
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    before = (lock_before or {}).get("models", {})
    shipped = [
        ShippedModel(
            name,
            members[name][0],
            entries[name]["sha256"],
            before.get(name, {}).get("sha256") != entries[name]["sha256"],
        )
        for name in entries
        if name in members
    ]
    return ShipResult(target, shipped, lock)


# ---- verify -------------------------------------------------------------------------------------


def verify_folder(folder: str | Path) -> VerifyResult:
    """Check a plugin's models folder against its lock file; every mismatch is one problem."""
    from emotrain.models.catalog import MODEL_NAMES

    folder = Path(folder)
    if not folder.is_dir():
        raise ConfigError(f"DIR: {folder} is not a folder")
    result = VerifyResult(folder)
    try:
        lock = _read_lock(folder)
    except DataError as exc:
        result.problems.append(str(exc))
        return result
    if lock is None:
        result.problems.append(f"no {LOCK_FILE} in {folder}: it was not shipped by the registry")
        return result
    result.lock = lock
    listed = set()
    for name, entry in lock["models"].items():
        file = str(entry.get("file", f"{name}.json"))
        listed.add(file)
        path = folder / file
        if not path.is_file():
            result.problems.append(f"{file}: missing (the lock lists {entry.get('version')})")
            continue
        data = path.read_bytes()
        if sha256_bytes(data) != entry.get("sha256"):
            result.problems.append(
                f"{file}: SHA-256 differs from the lock's ({entry.get('version')}): the file was "
                "changed after shipping"
            )
            continue
        bad = _companion_problems(folder, entry)
        result.problems.extend(bad)
        if not bad:
            result.checked.append(f"{file} = {entry.get('version')}")
    for name in MODEL_NAMES:
        if f"{name}.json" not in listed and (folder / f"{name}.json").exists():
            result.problems.append(f"{name}.json: present but not in the lock")
    return result


def _companion_problems(folder: Path, entry: dict[str, Any]) -> list[str]:
    """The C++ companions a lock lists (header, golden bundle), each checked like the JSON."""
    problems = []
    for rel, sha in (entry.get("companions") or {}).items():
        path = folder / rel
        if not path.is_file():
            problems.append(f"{rel}: missing (the lock lists it with {entry.get('version')})")
        elif sha256_file(path) != sha:
            problems.append(f"{rel}: SHA-256 differs from the lock's: changed after shipping")
    return problems
