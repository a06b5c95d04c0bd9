"""TOML configuration files: read one for `train --config`, write a run's resolved `run_config.toml`.

The shape mirrors `run_config.json`, so the file a run writes is the file a user edits:

    models = ["groovepredictor"]
    [data]
    format = "synthetic"
    samples = 512
    [training]
    epochs = 60
    learning_rate = 3e-3

A key the configuration does not have, or a value of the wrong type, is refused with one line naming
the key: a typo must not silently train with the default.
"""

from __future__ import annotations

import json
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

from emotrain.config import DataConfig, RunConfig, TrainingConfig
from emotrain.errors import ConfigError
from emotrain.io import atomic_write_text

SECTIONS: dict[str, type] = {"data": DataConfig, "training": TrainingConfig}
TOP_LEVEL = ("models",)
#: Keys a run records but a recipe file leaves out: where to write is the command's business.
NOT_WRITTEN = ("output",)


def toml_module() -> Any:
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib
    import tomli  # the same parser, before it joined the standard library

    return tomli


def _kind(dc: type, name: str) -> tuple[type | tuple[type, ...], str, bool]:
    """The Python type(s) a key accepts, how to say it, and whether it may be left unset."""
    text = str(next(f.type for f in fields(dc) if f.name == name))
    optional = "None" in text
    base = text.replace(" | None", "").strip()
    return {
        "int": (int, "an integer", optional),
        "float": ((int, float), "a number", optional),
        "str": (str, "text", optional),
        "bool": (bool, "true or false", optional),
    }[base]


def _check_value(where: str, dc: type, key: str, value: Any) -> str | None:
    kind, say, _ = _kind(dc, key)
    if isinstance(value, bool) and kind is not bool:
        return f"{where}: must be {say}, got {value!r}"
    if not isinstance(value, kind):
        return f"{where}: must be {say}, got {value!r}"
    return None


def parse_config_text(text: str, source: str) -> dict[str, Any]:
    """TOML text -> {"models": ..., "data": {...}, "training": {...}} with every key checked."""
    toml = toml_module()
    try:
        raw = toml.loads(text)
    except toml.TOMLDecodeError as exc:
        raise ConfigError(f"--config: {source} is not valid TOML ({exc})") from exc
    return check_config_dict(raw, source)


def check_config_dict(raw: dict[str, Any], source: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    problems: list[str] = []
    section_of = {f.name: s for s, dc in SECTIONS.items() for f in fields(dc)}
    for key, value in raw.items():
        if key in SECTIONS:
            if not isinstance(value, dict):
                problems.append(f"{source}: [{key}] must be a table of keys")
                continue
            dc = SECTIONS[key]
            names = {f.name for f in fields(dc)}
            table = {}
            for sub, v in value.items():
                where = f"{source}: [{key}] {sub}"
                if sub not in names:
                    problems.append(
                        f"{where}: unknown key; [{key}] takes {', '.join(sorted(names))}"
                    )
                elif (problem := _check_value(where, dc, sub, v)) is not None:
                    problems.append(problem)
                else:
                    table[sub] = float(v) if _kind(dc, sub)[0] == (int, float) else v
            out[key] = table
        elif key == "models":
            names = [value] if isinstance(value, str) else value
            if not (isinstance(names, list) and names and all(isinstance(n, str) for n in names)):
                problems.append(f"{source}: models must be a model name or a list of names")
            else:
                out["models"] = list(names)
        elif key in section_of:
            problems.append(
                f"{source}: {key} belongs in the [{section_of[key]}] table "
                f"([{section_of[key]}] {key} = ...)"
            )
        else:
            problems.append(
                f"{source}: {key}: unknown key; the file takes models, [data] and [training]"
            )
    if {"validation_split", "validation_songs"} <= set(out.get("data", {})):
        problems.append(
            f"{source}: [data] validation_split and validation_songs: give one; the fixed songs "
            "are the validation split"
        )
    if problems:
        raise ConfigError(problems)
    return out


def read_config_file(path: str | Path) -> dict[str, Any]:
    """Read `--config FILE`; a relative `[data] path`/`cache_dir` is taken from the file's folder."""
    file = Path(path).expanduser()
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"--config: {file} does not exist") from None
    except IsADirectoryError:
        raise ConfigError(f"--config: {file} is a folder; give a .toml file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"--config: cannot read {file} ({exc})") from None
    values = parse_config_text(text, str(file))
    data = values.get("data", {})
    for key in ("path", "cache_dir"):
        if isinstance(data.get(key), str):
            p = Path(data[key]).expanduser()
            data[key] = str((file.parent / p).resolve() if not p.is_absolute() else p)
    model = data.get("emotion_model")
    if isinstance(model, str) and "@" not in model:  # a run folder or file; NAME@N as written
        p = Path(model).expanduser()
        data["emotion_model"] = str((file.parent / p).resolve() if not p.is_absolute() else p)
    if isinstance(data.get("validation_songs"), str):
        from emotrain.data.split import resolve_song_spec

        data["validation_songs"] = resolve_song_spec(data["validation_songs"], file.parent)
    return values


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def config_to_toml(config: RunConfig, header: str = "") -> str:
    """A run's resolved configuration as a file `train --config` reads back to the same run.

    Unset optional values (None) are left out: TOML has no null, and absent means the default."""
    d = config.to_dict()
    lines = [f"# {line}" for line in header.splitlines()] if header else []
    lines.append(f"models = {_toml_value(d['models'])}")
    for section in SECTIONS:
        lines += ["", f"[{section}]"]
        values = dict(d[section])
        if values.get("validation_songs"):
            values.pop("validation_split", None)  # not used: the fixed songs are the split
        lines += [f"{k} = {_toml_value(v)}" for k, v in values.items() if v is not None]
    return "\n".join(lines) + "\n"


def write_run_config_toml(path: Path, config: RunConfig, header: str = "") -> Path:
    if not header:
        header = (
            "The resolved configuration of this run. Reproduce it with:\n"
            "  emotrain train --config run_config.toml --output NEW_FOLDER"
        )
    return atomic_write_text(path, config_to_toml(config, header))
