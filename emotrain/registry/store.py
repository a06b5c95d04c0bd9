"""The registry's database: versions, aliases and the alias history, in one SQLite file.

Several processes may add and promote at once (a CI job beside a developer), so every change is one
`BEGIN IMMEDIATE` transaction: SQLite serialises writers on that lock and a writer waits (up to
`timeout` seconds) instead of failing, and the version number is chosen inside the same transaction
that inserts it, so two adds can never take the same number or lose one. WAL mode lets readers go on
while a writer works. The exported files themselves are `objects/<sha256>.json`, written atomically
before the row that names them, so a row never points at a missing or partial file.

The alias history is append-only: triggers refuse to update or delete its rows, and versions are
immutable once added.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from emotrain.errors import ConfigError, DataError
from emotrain.io import atomic_write_bytes
from emotrain.registry.records import (  # noqa: F401  (re-exported: callers import them from here)
    RESERVED_ALIASES,
    AliasChange,
    Version,
    canonical_name,
    check_alias,
    now,
    parse_ref,
    sha256_bytes,
    who,
)

DB_FILE = "registry.db"
OBJECTS = "objects"
SCHEMA_VERSION = 1

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS versions (
        name TEXT NOT NULL, number INTEGER NOT NULL, sha256 TEXT NOT NULL,
        created TEXT NOT NULL, lineage TEXT NOT NULL,
        PRIMARY KEY (name, number), UNIQUE (name, sha256))""",
    """CREATE TABLE IF NOT EXISTS aliases (
        name TEXT NOT NULL, alias TEXT NOT NULL, number INTEGER NOT NULL,
        PRIMARY KEY (name, alias),
        FOREIGN KEY (name, number) REFERENCES versions (name, number))""",
    """CREATE TABLE IF NOT EXISTS alias_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, alias TEXT NOT NULL,
        from_number INTEGER, to_number INTEGER NOT NULL, who TEXT NOT NULL, at TEXT NOT NULL,
        reason TEXT NOT NULL)""",
    """CREATE TRIGGER IF NOT EXISTS history_no_update BEFORE UPDATE ON alias_history
        BEGIN SELECT RAISE(ABORT, 'the alias history is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS history_no_delete BEFORE DELETE ON alias_history
        BEGIN SELECT RAISE(ABORT, 'the alias history is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS versions_no_update BEFORE UPDATE ON versions
        BEGIN SELECT RAISE(ABORT, 'versions are immutable'); END""",
)


class Registry:
    """One registry folder. Open it with `Registry(path)`; `create=False` refuses a missing one."""

    def __init__(self, root: str | Path, *, create: bool = True, timeout: float = 60.0):
        self.root = Path(root)
        self.timeout = timeout
        if self.root.exists() and not self.root.is_dir():
            raise ConfigError(f"--registry: {self.root} is a file; give a folder")
        if not create and not self.db_path.is_file():
            raise DataError(
                f"no registry at {self.root} (no {DB_FILE}); add a model first with "
                "`emotrain registry add`, or give --registry / EMOTRAIN_REGISTRY"
            )
        self.root.mkdir(parents=True, exist_ok=True)
        self.objects_dir.mkdir(exist_ok=True)
        self._db = self._connect()

    @property
    def db_path(self) -> Path:
        return self.root / DB_FILE

    @property
    def objects_dir(self) -> Path:
        return self.root / OBJECTS

    def object_path(self, sha256: str) -> Path:
        return self.objects_dir / f"{sha256}.json"

    # ---- connection and transactions ------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        try:
            db = sqlite3.connect(self.db_path, timeout=self.timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise DataError(f"cannot open the registry database {self.db_path}: {exc}") from exc
        deadline = time.monotonic() + self.timeout
        while True:  # switching to WAL needs a moment alone with the file: wait for it
            try:
                db.execute("PRAGMA journal_mode=WAL")
                break
            except sqlite3.DatabaseError as exc:
                busy = isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)
                if not busy or time.monotonic() > deadline:
                    db.close()
                    raise DataError(
                        f"{self.db_path} is not a usable registry database ({exc})"
                    ) from exc
                time.sleep(0.05)
        try:
            db.execute("PRAGMA synchronous=FULL")  # a committed version survives a power cut
            db.execute("PRAGMA foreign_keys=ON")
            with self._transaction(db):
                for statement in _SCHEMA:
                    db.execute(statement)
                db.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)",
                    (str(SCHEMA_VERSION),),
                )
            row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.DatabaseError as exc:
            db.close()
            raise DataError(f"{self.db_path} is not a usable registry database ({exc})") from exc
        if row is None or int(row[0]) > SCHEMA_VERSION:
            db.close()
            raise DataError(
                f"{self.db_path} was written by a newer emotrain (schema {row and row[0]}); "
                "upgrade emotrain to read it"
            )
        return db

    @staticmethod
    @contextlib.contextmanager
    def _transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
        db.execute("BEGIN IMMEDIATE")  # take the write lock now: no lost updates between reads
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def transaction(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        return self._transaction(self._db)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- objects --------------------------------------------------------------------------------

    def _store_object(self, data: bytes, sha256: str) -> Path:
        """Content-addressed and immutable: an existing, intact object is never rewritten."""
        path = self.object_path(sha256)
        if path.is_file() and sha256_bytes(path.read_bytes()) == sha256:
            return path
        atomic_write_bytes(path, data)  # absent, or damaged: the bytes we hold are the truth
        return path

    def read_object(self, version: Version) -> bytes:
        """The exported file of a version, refusing one whose bytes no longer match its SHA-256."""
        path = self.object_path(version.sha256)
        if not path.is_file():
            raise DataError(f"{version.ref}: its file {path} is missing from the registry")
        data = path.read_bytes()
        if sha256_bytes(data) != version.sha256:
            raise DataError(
                f"{version.ref}: {path} has been changed since it was added (SHA-256 mismatch)"
            )
        return data

    # ---- versions -------------------------------------------------------------------------------

    def add(self, name: str, data: bytes, lineage: dict[str, Any]) -> tuple[Version, bool]:
        """Register `data` as the next version of `name`; (version, False) if the bytes are known.

        `lineage["parent"]`, when set, must name an existing version of the same model.
        """
        sha = sha256_bytes(data)
        parent = lineage.get("parent")
        if parent:  # before the object is stored: a refused add leaves no file behind
            self._check_parent(self._db, name, parent)
        self._store_object(data, sha)
        with self.transaction() as db:
            row = db.execute(
                "SELECT number FROM versions WHERE name = ? AND sha256 = ?", (name, sha)
            ).fetchone()
            if row is not None:
                existing = row[0]
            else:
                existing = None
                parent = lineage.get("parent")
                if parent:
                    self._check_parent(db, name, parent)
                number = db.execute(
                    "SELECT COALESCE(MAX(number), 0) + 1 FROM versions WHERE name = ?", (name,)
                ).fetchone()[0]
                record = {**lineage, "version": f"{name}@{number}", "json_sha256": sha}
                text = json.dumps(record, allow_nan=False, ensure_ascii=False, sort_keys=True)
                db.execute(
                    "INSERT INTO versions (name, number, sha256, created, lineage) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (name, number, sha, lineage.get("registered") or now(), text),
                )
        if existing is not None:
            return self.get(f"{name}@{existing}"), False
        return self.get(f"{name}@{number}"), True

    @staticmethod
    def _check_parent(db: sqlite3.Connection, name: str, parent: str) -> None:
        p_name, _, p_number = str(parent).partition("@")
        if p_name != name or not p_number.isdigit():
            raise ConfigError(f"--parent: {parent!r} must be a version NAME@N of {name}")
        if (
            db.execute(
                "SELECT 1 FROM versions WHERE name = ? AND number = ?", (name, int(p_number))
            ).fetchone()
            is None
        ):
            raise ConfigError(f"--parent: no version {parent} in the registry")

    def _version(self, row: tuple) -> Version:
        name, number, sha, created, lineage = row
        aliases = tuple(
            a
            for (a,) in self._db.execute(
                "SELECT alias FROM aliases WHERE name = ? AND number = ? ORDER BY alias",
                (name, number),
            )
        )
        return Version(name, number, sha, created, json.loads(lineage), aliases)

    _COLUMNS = "name, number, sha256, created, lineage"

    def get(self, ref: str) -> Version:
        """The version `NAME@N`, `NAME@ALIAS` or `NAME@latest`; DataError if there is none."""
        name, selector = parse_ref(ref)
        if selector.isdigit():
            row = self._db.execute(
                f"SELECT {self._COLUMNS} FROM versions WHERE name = ? AND number = ?",
                (name, int(selector)),
            ).fetchone()
        elif selector == "latest":
            row = self._db.execute(
                f"SELECT {self._COLUMNS} FROM versions WHERE name = ? ORDER BY number DESC LIMIT 1",
                (name,),
            ).fetchone()
        else:
            row = self._db.execute(
                f"SELECT v.{self._COLUMNS.replace(', ', ', v.')} FROM versions v JOIN aliases a "
                "ON a.name = v.name AND a.number = v.number WHERE a.name = ? AND a.alias = ?",
                (name, selector),
            ).fetchone()
        if row is None:
            known = self.numbers(name)
            have = f"it has {name}@1..{name}@{known[-1]}" if known else f"it has no {name}"
            raise DataError(f"no version {name}@{selector} in the registry {self.root} ({have})")
        return self._version(row)

    def numbers(self, name: str) -> list[int]:
        return [
            n
            for (n,) in self._db.execute(
                "SELECT number FROM versions WHERE name = ? ORDER BY number", (name,)
            )
        ]

    def versions(self, name: str | None = None) -> list[Version]:
        query = f"SELECT {self._COLUMNS} FROM versions"
        args: tuple = ()
        if name is not None:
            query += " WHERE name = ?"
            args = (name,)
        rows = self._db.execute(query + " ORDER BY name, number", args).fetchall()
        return [self._version(r) for r in rows]

    # ---- aliases --------------------------------------------------------------------------------

    def holder(self, name: str, alias: str) -> Version | None:
        row = self._db.execute(
            "SELECT number FROM aliases WHERE name = ? AND alias = ?", (name, alias)
        ).fetchone()
        return None if row is None else self.get(f"{name}@{row[0]}")

    def promote(
        self,
        ref: str,
        alias: str,
        *,
        reason: str = "",
        expect_from: int | str | None = "any",
    ) -> AliasChange:
        """Move `alias` to the version `ref` and append the move to the history, in one transaction.

        `expect_from` (a version number, or None for "no holder yet") makes the move conditional on
        the holder the caller checked, so a promotion decided on a comparison cannot silently
        replace a holder that another process changed meanwhile.
        """
        alias = check_alias(alias)
        version = self.get(ref)
        with self.transaction() as db:
            row = db.execute(
                "SELECT number FROM aliases WHERE name = ? AND alias = ?", (version.name, alias)
            ).fetchone()
            current = None if row is None else row[0]
            if expect_from != "any" and current != expect_from:
                raise DataError(
                    f"{version.name}@{alias} moved to "
                    f"{'nothing' if current is None else f'{version.name}@{current}'} while this "
                    "promotion was being decided; nothing was changed, run it again"
                )
            change = AliasChange(version.name, alias, current, version.number, who(), now(), reason)
            db.execute(
                "INSERT INTO aliases (name, alias, number) VALUES (?, ?, ?) "
                "ON CONFLICT (name, alias) DO UPDATE SET number = excluded.number",
                (version.name, alias, version.number),
            )
            db.execute(
                "INSERT INTO alias_history (name, alias, from_number, to_number, who, at, reason) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (change.name, alias, current, change.to_number, change.who, change.at, reason),
            )
        return change

    def alias_names(self, name: str) -> list[str]:
        """Every alias `name` has or had (a moved-away alias still has a history)."""
        rows = self._db.execute(
            "SELECT alias FROM alias_history WHERE name = ? UNION SELECT alias FROM aliases "
            "WHERE name = ? ORDER BY 1",
            (name, name),
        )
        return [a for (a,) in rows]

    def history(self, name: str, alias: str | None = None) -> list[AliasChange]:
        """Every move of `name`'s aliases, or of one; an alias it never had is a usage error."""
        if alias is not None:
            known = self.alias_names(name)
            if alias not in known:
                have = f"its aliases: {', '.join(known)}" if known else "it has no aliases yet"
                raise ConfigError(f"--alias: {name} has no alias {alias!r} ({have})")
        query = (
            "SELECT name, alias, from_number, to_number, who, at, reason FROM alias_history "
            "WHERE name = ?"
        )
        args: tuple = (name,)
        if alias is not None:
            query += " AND alias = ?"
            args = (name, alias)
        return [AliasChange(*row) for row in self._db.execute(query + " ORDER BY id", args)]
