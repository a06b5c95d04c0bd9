"""`emotrain evaluate`: not available yet; its own issue fills it in."""

from __future__ import annotations

from emotrain.errors import EmotrainError


def evaluate() -> None:
    """Not available yet in this version."""
    raise EmotrainError("'evaluate' is not available yet in this version of emotrain")
