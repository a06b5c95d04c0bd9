"""A registry version as the file that holds its bytes, for readers below the registry.

`--emotion-model NAME@N` names a recognizer in the registry, but the corpus loader that runs it
sits below registry/ (docs/architecture.md): the command line and the Python API turn the
reference into the version's stored file here, once, and the loader reads a file like any other.
"""

from __future__ import annotations

from pathlib import Path

from emotrain.errors import ConfigError, EmotrainError


def emotion_model_source(text: str, option: str = "--emotion-model") -> str:
    """RUN folder or FILE.json -> its absolute path; NAME@N -> the registry file of that version
    of the emotion recognizer (its SHA-256 checked); anything else is left for the loader to
    refuse with its own message."""
    given = Path(text).expanduser()
    if given.exists():
        return str(given.resolve())
    if "@" not in text:
        return text
    from emotrain.plugin.wiring import EMOTION
    from emotrain.registry import registry_dir
    from emotrain.registry.store import Registry

    try:
        with Registry(registry_dir(None), create=False) as registry:
            version = registry.get(text)
            registry.read_object(version)  # refuses bytes changed since they were added
            path = registry.object_path(version.sha256)
    except EmotrainError as exc:
        raise ConfigError(f"{option}: {exc}") from None
    if version.name != EMOTION:
        raise ConfigError(
            f"{option}: {text} is a version of {version.name}, not of the emotion recognizer "
            f"({EMOTION})"
        )
    return str(path.resolve())
