"""`emotrain plot`: not available yet; its own issue fills it in."""

from __future__ import annotations

from emotrain.errors import EmotrainError


def plot() -> None:
    """Not available yet in this version."""
    raise EmotrainError("'plot' is not available yet in this version of emotrain")
