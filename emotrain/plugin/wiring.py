"""Which vector feeds which network, per docs/plugin-contract.md ("Wiring and timing").

Per analysis frame: the recognizer reads the frame's 128 bands; harmony reads the embedding then the
frame's first 64 bands; dynamics reads embedding dimensions 16-47 (16 of valence, then 16 of
arousal, so expression can follow both); groove reads the embedding. Per sixteenth step the melody
reads the latest embedding (timing.melody_steps says which frame that is).
"""

from __future__ import annotations

import numpy as np

EMOTION, MELODY, HARMONY, DYNAMICS, GROOVE = (
    "emotionrecognizer",
    "melodytransformer",
    "harmonypredictor",
    "dynamicsengine",
    "groovepredictor",
)
NAMES = (EMOTION, MELODY, HARMONY, DYNAMICS, GROOVE)
#: (inputs, outputs) the plugin feeds and reads; a file of another shape is one it cannot use.
SHAPES = {EMOTION: (128, 64), MELODY: (64, 128), HARMONY: (128, 64), DYNAMICS: (32, 16),
          GROOVE: (64, 32)}  # fmt: skip
#: The networks whose input holds audio bands, so the feature recipe is part of what they mean.
AUDIO_READERS = (EMOTION, HARMONY)
#: The networks fed once per analysis frame from the recognizer's embedding.
FRAME_HELPERS = (HARMONY, DYNAMICS, GROOVE)
#: The audio bands harmony reads after the embedding.
HARMONY_BANDS = 64
#: The embedding dimensions dynamics reads (a contiguous slice: 16 of valence, 16 of arousal).
DYNAMICS_DIMS = slice(16, 48)


def output_names(name: str) -> tuple[str, ...] | None:
    """The contract's name of each output of network `name` (plugin/dynamics.py, groove.py),
    None where its outputs are not a list of named quantities."""
    if name == DYNAMICS:
        from emotrain.plugin.dynamics import NAMES as dynamics_names

        return dynamics_names
    if name == GROOVE:
        from emotrain.plugin.groove import NAMES as groove_names

        return groove_names
    return None


def harmony_input(embedding: np.ndarray, features: np.ndarray) -> np.ndarray:
    return np.concatenate([embedding, features[..., :HARMONY_BANDS]], axis=-1)


def dynamics_input(embedding: np.ndarray) -> np.ndarray:
    return embedding[..., DYNAMICS_DIMS]


def groove_input(embedding: np.ndarray) -> np.ndarray:
    return embedding


def helper_input(name: str, embedding: np.ndarray, features: np.ndarray) -> np.ndarray:
    """The input the plugin gives frame helper `name` from one frame's embedding and bands."""
    if name == HARMONY:
        return harmony_input(embedding, features)
    if name == DYNAMICS:
        return dynamics_input(embedding)
    if name == GROOVE:
        return groove_input(embedding)
    raise ValueError(f"{name} is not fed per frame from the embedding")
