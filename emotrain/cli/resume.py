"""`emotrain resume`: not available yet; its own issue fills it in."""

from __future__ import annotations

from emotrain.errors import EmotrainError


def resume() -> None:
    """Not available yet in this version."""
    raise EmotrainError("'resume' is not available yet in this version of emotrain")
