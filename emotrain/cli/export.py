"""`emotrain export-rtneural`: not available yet; its own issue fills it in."""

from __future__ import annotations

from emotrain.errors import EmotrainError


def export_rtneural() -> None:
    """Not available yet in this version."""
    raise EmotrainError("'export-rtneural' is not available yet in this version of emotrain")
