"""The 64-d emotion embedding: dims 0-31 carry valence, 32-63 arousal, each in [-1, 1].

Labels become embeddings here (training targets of the recognizer, inputs of the melody and the
helpers) and embeddings are read back here (preview's curves, evaluation's valence and arousal), so
writing and reading cannot disagree.
"""

from __future__ import annotations

import numpy as np

EMBEDDING_DIM = 64
HALF = EMBEDDING_DIM // 2


def emotion_embedding(va: np.ndarray) -> np.ndarray:
    """(..., 2) valence/arousal -> (..., 64) float32: 32 copies of valence, then 32 of arousal."""
    va = np.clip(np.asarray(va, dtype=np.float32), -1.0, 1.0)
    return np.concatenate(
        [np.repeat(va[..., :1], HALF, axis=-1), np.repeat(va[..., 1:2], HALF, axis=-1)], axis=-1
    )


def valence_arousal(embedding: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The contract's reading: valence = mean of dims 0-31, arousal = mean of dims 32-63."""
    e = np.asarray(embedding).astype(np.float64)
    return e[..., :HALF].mean(axis=-1), e[..., HALF:EMBEDDING_DIM].mean(axis=-1)


def quadrants(valence: np.ndarray, arousal: np.ndarray) -> np.ndarray:
    """Russell quadrant per frame: 1 (v+, a+), 2 (v-, a+), 3 (v-, a-), 4 (v+, a-); 0 counts as +."""
    v, a = np.asarray(valence) >= 0, np.asarray(arousal) >= 0
    return np.where(a, np.where(v, 1, 2), np.where(v, 4, 3)).astype(np.int8)
