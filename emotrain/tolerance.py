"""How closely an exported network must reproduce PyTorch: one default for every command.

The export check runs the plugin's float32 interpreter beside PyTorch and compares the outputs
relative to their scale (docs/export.md). `train`, `resume`, `export-rtneural`, the registry and the
Python API all default to the same figure; no torch at import, so the CLI can name it in --help.
"""

from __future__ import annotations

import math

from emotrain.errors import ConfigError

DEFAULT_TOLERANCE = 1e-5


def check_tolerance(tolerance: float, option: str = "--tolerance") -> float:
    """A finite number > 0, else a ConfigError naming `option`, before any work is done."""
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)):
        raise ConfigError(f"{option}: must be a number > 0, got {tolerance!r}")
    if not (math.isfinite(tolerance) and tolerance > 0):
        raise ConfigError(f"{option}: must be a finite number > 0, got {tolerance}")
    return float(tolerance)
