"""The suite runs with --import-mode=importlib: put this folder on sys.path so test modules can
import the history builders in histories.py."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
