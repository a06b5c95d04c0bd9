"""`--emotion-model`: the emotion recognizer whose embedding harmony trains on, run as the plugin runs it.

The plugin feeds harmony the recognizer's own embedding, not a corpus's clean labels, so a chord
corpus without valence/arousal labels is given a recognizer: a run folder (its exported
`emotionrecognizer.json`), an exported JSON file, or a registry version `NAME@N` / `NAME@ALIAS`
(`$EMOTRAIN_REGISTRY`, default ./emotrain-registry), which the command line and the Python API
turn into the version's stored file first (registry/files.py: data/ sits below registry/). It runs through the reference interpreter in
float32, each song streamed from one `reset()` over its log-mel frames: the plugin's computation.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from emotrain.errors import ConfigError, ExportError
from emotrain.plugin.wiring import EMOTION, SHAPES

OPTION = "--emotion-model"


@dataclass
class EmotionRecognizer:
    """A loaded recognizer and where it came from (for the data report)."""

    where: str
    sha256: str
    model: Any  # ReferenceModel

    def embed(self, features: np.ndarray) -> np.ndarray:
        """(frames, 64) float32 embedding of one song's (frames, 128) bands, from one reset."""
        return np.asarray(self.model.run(features, reset=True), dtype=np.float32)


def _check(document: bytes, where: str) -> EmotionRecognizer:
    from emotrain.plugin.reference import ReferenceModel

    try:
        block = json.loads(document).get("emotrain")
    except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
        block = None
    named = block.get("model") if isinstance(block, dict) else None
    if named is not None and named != EMOTION:
        raise ConfigError(
            f"{OPTION}: {where} is the {named} network, not an emotion recognizer "
            f"({EMOTION}.json: 128 audio features -> 64-d emotion embedding)"
        )
    try:
        model = ReferenceModel(document, np.float32)
    except ExportError as exc:
        raise ConfigError(f"{OPTION}: {where} is not an RTNeural model ({exc})") from None
    if (model.in_size, model.out_size) != SHAPES[EMOTION]:
        raise ConfigError(
            f"{OPTION}: {where} takes {model.in_size} inputs and gives {model.out_size}; an "
            f"emotion recognizer takes {SHAPES[EMOTION][0]} and gives {SHAPES[EMOTION][1]}"
        )
    return EmotionRecognizer(where, hashlib.sha256(document).hexdigest(), model)


def resolve_emotion_model(text: str) -> EmotionRecognizer:
    """RUN folder or FILE.json (a registry version arrives as its file) -> the recognizer; ConfigError (exit 2) naming what is
    wrong: not found, not an RTNeural file, or another network."""
    path = Path(text).expanduser()
    if path.is_dir():
        file = path / f"{EMOTION}.json"
        if not file.is_file():
            raise ConfigError(
                f"{OPTION}: {path} has no {EMOTION}.json (give a run folder that trained the "
                "emotion recognizer, an exported JSON file or a registry version NAME@N)"
            )
        return _check(file.read_bytes(), str(file))
    if path.is_file():
        return _check(path.read_bytes(), str(path))
    raise ConfigError(
        f"{OPTION}: {text} is not a run folder, an exported JSON file or a registry version NAME@N"
    )
