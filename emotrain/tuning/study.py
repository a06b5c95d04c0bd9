"""A study's identity and its Optuna objects: storage URL -> storage, seeded sampler, pruner.

`StudySpec` is everything that defines a study (model, objective, space, base configuration, seed);
it is written once as `DIR/study.json`, and a later command on the same DIR must describe the same
study (a different one is refused rather than mixed in). Workers rebuild the Optuna objects from it.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from emotrain.errors import ConfigError, EmotrainError, StorageError

PRUNERS = ("halving", "median", "hyperband", "none")
DEFAULT_PRUNER = "halving"
STUDY_JSON = "study.json"
JOURNAL = "study.journal"


@dataclass(frozen=True)
class StudySpec:
    model: str
    study_name: str
    storage: str  # the URL as given, or "journal:<path>" for the default journal file
    directory: str
    metric: str
    direction: str  # minimize | maximize
    pruner: str
    seed: int
    trials: int
    space: dict[str, dict[str, Any]]
    base_config: dict[str, Any]
    timeout_s: float | None = None
    workers: int = 1
    extra: dict[str, Any] = field(default_factory=dict)

    def identity(self) -> dict[str, Any]:
        """What makes two commands the same study (the trial count, workers and timeout may change)."""
        base = dict(self.base_config)
        base.pop("output", None)
        training = dict(base.get("training", {}))
        training.pop("device", None)  # a resumed study may move to another device
        base["training"] = training
        return {
            "model": self.model,
            "study_name": self.study_name,
            "storage": storage_identity(self.storage),
            "metric": self.metric,
            "direction": self.direction,
            "pruner": self.pruner,
            "seed": self.seed,
            "space": self.space,
            "base_config": base,
        }

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> StudySpec:
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})

    @property
    def dir(self) -> Path:
        return Path(self.directory)


def storage_identity(url: str) -> str:
    """Which database, not how this machine reaches it: machines may name the server by another
    host, port or password (`postgresql:emotrain`); files and the journal are their path."""
    if url.startswith(("journal:", "sqlite:")) or "://" not in url:
        return url
    try:
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
    except Exception:
        return url
    return f"{parsed.get_backend_name()}:{parsed.database}"


def default_study_name(model: str, directory: Path) -> str:
    """Stable per folder, so the same command names the same study without being told."""
    digest = hashlib.sha256(str(directory.resolve()).encode()).hexdigest()[:8]
    return f"emotrain-{model}-{digest}"


def check_storage_url(url: str) -> None:
    """Refuse, before anything is written, a URL that cannot work: an unknown scheme, a missing
    driver, an SQLite file in a folder that does not exist."""
    if url.startswith("journal:"):
        return
    if not re.match(r"^[a-z][a-z0-9+]*://", url):
        raise ConfigError(
            f"--storage: {url!r} is not a database URL; use sqlite:///path/to/study.db or an "
            "SQLAlchemy URL such as postgresql://user@host/db (default: a journal file in DIR)"
        )
    if url.startswith("sqlite:"):
        path = url.split("sqlite:///", 1)[-1] if url.startswith("sqlite:///") else ""
        if path and path != ":memory:":
            folder = Path(path).expanduser().parent
            if not folder.is_dir():
                raise ConfigError(
                    f"--storage: the folder {folder} of the SQLite file does not exist"
                )
        return
    try:
        from sqlalchemy.engine import make_url

        dialect = make_url(url).get_dialect()
        if hasattr(dialect, "import_dbapi"):
            dialect.import_dbapi()  # the driver itself, not only SQLAlchemy's dialect
    except ModuleNotFoundError as exc:
        raise StorageError(
            f"--storage: the database driver for {url.split('://')[0]} is not installed "
            f'({exc.name}); for PostgreSQL `pip install "emotrain[postgres]"` and a '
            "postgresql+psycopg:// URL, for MySQL `pip install pymysql`"
        ) from None
    except Exception as exc:
        raise ConfigError(f"--storage: {url!r} is not a usable SQLAlchemy URL ({exc})") from None


def open_storage(spec: StudySpec) -> Any:
    """The Optuna storage; an unreachable database is one line naming the URL (exit 1)."""
    from emotrain.tuning.rdb import open_rdb

    if spec.storage.startswith("journal:"):
        from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock, JournalStorage

        path = spec.storage[len("journal:") :]
        # An open(O_EXCL) lock file works on every local file system, unlike symlinks.
        return JournalStorage(JournalFileBackend(path, lock_obj=JournalFileOpenLock(path)))
    try:
        return open_rdb(spec.storage)
    except Exception as exc:
        raise StorageError(
            f"--storage: cannot open {redacted_url(spec.storage)} ({storage_error_detail(exc)})"
        ) from None


def storage_error_detail(exc: BaseException) -> str:
    """The driver's own reason (connection refused, no such database), not SQLAlchemy's wrapping."""
    text = str(getattr(exc, "orig", None) or exc)
    return " ".join(text.split("(Background on this error")[0].split())[:200]


def redacted_url(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


def sampler_for(spec: StudySpec, next_number: int) -> Any:
    """A TPE sampler seeded by the study seed and the number of the trial it is about to sample.

    Reseeding per trial makes a trial's parameters a function of (seed, the trials before it), not
    of how many samples this process happened to draw: a study resumed in a new process samples
    exactly what the uninterrupted one would have."""
    import optuna

    digest = hashlib.sha256(f"{spec.seed}:{next_number}".encode()).digest()
    return optuna.samplers.TPESampler(seed=int.from_bytes(digest[:4], "little"))


def pruner_for(spec: StudySpec) -> Any:
    import optuna

    if spec.pruner == "halving":
        # Successive halving from the first epoch: a trial goes on past epochs 1, 3 and 9 only
        # while it is in the best third of the trials that reached that epoch (docs/tune.md).
        return optuna.pruners.SuccessiveHalvingPruner(
            min_resource=1, reduction_factor=3, min_early_stopping_rate=0
        )
    if spec.pruner == "median":
        # A few trials must finish before a median means anything; the first epochs are noisy.
        return optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=1)
    if spec.pruner == "hyperband":
        epochs = int(spec.base_config.get("training", {}).get("epochs", 40))
        return optuna.pruners.HyperbandPruner(min_resource=1, max_resource=epochs)
    return optuna.pruners.NopPruner()


def load_optuna_study(spec: StudySpec, storage: Any, next_number: int = 0) -> Any:
    import optuna

    return optuna.load_study(
        study_name=spec.study_name,
        storage=storage,
        sampler=sampler_for(spec, next_number),
        pruner=pruner_for(spec),
    )


def create_or_load(spec: StudySpec, storage: Any) -> Any:
    """Create the study on first use; a study of that name with another direction is refused.
    Commands started at the same moment on many machines: one creates, the others join."""
    from emotrain.tuning.rdb import study_lock

    try:
        with study_lock(spec.storage, f"emotrain-study:{spec.study_name}"):
            return _create_or_load(spec, storage)
    except EmotrainError:
        raise
    except Exception as exc:  # the server went away between opening and here
        raise StorageError(
            f"--storage: cannot use {redacted_url(spec.storage)} ({storage_error_detail(exc)})"
        ) from None


def _create_or_load(spec: StudySpec, storage: Any) -> Any:
    import optuna

    names = {s.study_name: s for s in optuna.get_all_study_summaries(storage)}
    existing = names.get(spec.study_name)
    if existing is not None:
        direction = existing.direction.name.lower()
        if direction != spec.direction:
            raise ConfigError(
                f"--study-name: the study {spec.study_name} in {spec.storage} was created to "
                f"{direction}, not {spec.direction} {spec.metric}"
            )
        recorded = existing.user_attrs.get("emotrain")
        if isinstance(recorded, dict) and recorded.get("identity") != _jsonable(spec.identity()):
            raise ConfigError(
                f"--study-name: the study {spec.study_name} in {spec.storage} was created with "
                "another model, objective, space or configuration; give another --study-name"
            )
    else:
        study = optuna.create_study(
            study_name=spec.study_name,
            storage=storage,
            direction=spec.direction,
            load_if_exists=True,
        )
        study.set_user_attr("emotrain", {"identity": _jsonable(spec.identity())})
    return load_optuna_study(spec, storage)


def _jsonable(obj: Any) -> Any:
    return json.loads(json.dumps(obj))


def read_study_json(directory: Path) -> dict[str, Any] | None:
    path = directory / STUDY_JSON
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"--output: {path} is unreadable ({exc}); cannot tell its study"
        ) from None


def check_same_study(spec: StudySpec) -> None:
    """A DIR holds one study: another model, space, objective or storage in it is refused."""
    recorded = read_study_json(spec.dir)
    if recorded is None:
        if (spec.dir / "trials").exists():
            raise ConfigError(
                f"--output: {spec.dir} has trials/ but no {STUDY_JSON}; it is not a study this "
                "command can continue"
            )
        return
    try:
        old = StudySpec.from_dict(recorded).identity()
    except TypeError as exc:
        raise ConfigError(
            f"--output: {spec.dir / STUDY_JSON} is not a study record ({exc})"
        ) from None
    new, old = _jsonable(spec.identity()), _jsonable(old)
    if old != new:
        changed = _differences(old, new)
        raise ConfigError(
            f"--output: {spec.dir} holds a different study ({', '.join(changed)} differ from "
            f"{STUDY_JSON}); use another DIR, or repeat the original options to continue it"
        )


def _differences(old: Any, new: Any, prefix: str = "") -> list[str]:
    """Dotted names of what differs (`base_config.training.epochs`), so the user sees which option."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for key in sorted(set(old) | set(new)):
            out += _differences(old.get(key), new.get(key), f"{prefix}{key}.")
        return out
    return [] if old == new else [prefix.rstrip(".")]
