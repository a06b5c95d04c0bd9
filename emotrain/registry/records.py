"""What the registry hands out: versions, alias moves, and the names that refer to them.

`NAME@N` is a version number, `NAME@ALIAS` whatever version the alias points at, and `NAME@latest`
the highest number; model names take their short aliases (`groove@2`).
"""

from __future__ import annotations

import getpass
import hashlib
import re
import socket
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from emotrain.errors import ConfigError

#: Alias names: lower-case words; never all digits, so `NAME@3` is always a version number.
_ALIAS = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
RESERVED_ALIASES = frozenset({"latest"})


@dataclass(frozen=True)
class Version:
    name: str
    number: int
    sha256: str
    created: str
    lineage: dict[str, Any]
    aliases: tuple[str, ...] = ()

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.number}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.ref,
            "name": self.name,
            "number": self.number,
            "sha256": self.sha256,
            "created": self.created,
            "aliases": list(self.aliases),
            "lineage": self.lineage,
        }


@dataclass(frozen=True)
class AliasChange:
    name: str
    alias: str
    from_number: int | None
    to_number: int
    who: str
    at: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.name,
            "alias": self.alias,
            "from": None if self.from_number is None else f"{self.name}@{self.from_number}",
            "to": f"{self.name}@{self.to_number}",
            "who": self.who,
            "at": self.at,
            "reason": self.reason,
        }


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def who() -> str:
    """user@host of whoever changes an alias: the history must say who moved what ships."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no login name (some containers)
        user = "unknown"
    return f"{user}@{socket.gethostname() or 'localhost'}"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_name(text: str) -> str:
    """A model's canonical name from its name or alias, as a one-line usage error otherwise."""
    from emotrain.models.catalog import MODEL_NAMES, get_spec

    try:
        return get_spec(text).name
    except ConfigError:
        raise ConfigError(
            f"unknown model {text!r}; allowed: {', '.join(MODEL_NAMES)} (or their short aliases)"
        ) from None


def parse_ref(text: str) -> tuple[str, str]:
    """`NAME@N` or `NAME@alias` -> (canonical name, "N" or alias)."""
    name, sep, selector = str(text).strip().partition("@")
    if not sep or not name or not selector:
        raise ConfigError(f"{text!r} is not a version: write NAME@N or NAME@ALIAS (e.g. groove@3)")
    return canonical_name(name), selector.strip().lower()


def check_alias(alias: str) -> str:
    """The alias as given, or a usage error: an alias is never folded silently (`Shipped` would
    otherwise move `shipped` while the user believes they made a new one)."""
    alias = alias.strip()
    if alias != alias.lower() and _ALIAS.match(alias.lower()):
        raise ConfigError(
            f"--alias: {alias!r} has upper-case letters; aliases are lower-case: did you mean "
            f"{alias.lower()!r}?"
        )
    if not _ALIAS.match(alias) or alias in RESERVED_ALIASES:
        raise ConfigError(
            f"--alias: {alias!r} is not allowed; use lower-case letters, digits, '-' or '_', "
            f"starting with a letter (and not {', '.join(sorted(RESERVED_ALIASES))})"
        )
    return alias


def check_parent_count(parent: str | None, candidates: list) -> None:
    if parent is not None and len(candidates) != 1:
        raise ConfigError("--parent: give one model (a checkpoint, an export or --model)")


def check_parent_ref(parent: str | None) -> None:
    """--parent's shape (NAME@N), checked before anything is read or created."""
    if parent is None:
        return
    name, _, number = parent.partition("@")
    if not number.isdigit():
        raise ConfigError(f"--parent: {parent!r} must be a version NAME@N (a number after @)")
    canonical_name(name)
