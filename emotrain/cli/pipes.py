"""A closed stdout (`emotrain train ... | head -1`) must not stop or break a command.

Decision: the command goes on quietly. A training run is minutes of work that a pager or `head`
closing early should not throw away, nor leave marked "running": once the reader is gone, stdout is
pointed at the null device and the run finishes (or fails, or is interrupted) exactly as it would
have, with its errors still on stderr and its usual exit status. Python would otherwise raise
BrokenPipeError from whichever print came next and report it again when flushing at exit.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any, TextIO


class QuietWhenClosed:
    """A stdout that, once its reader has gone, sends everything to the null device."""

    def __init__(self, stream: TextIO):
        self._stream = stream
        self.closed_by_reader = False

    def _to_null(self) -> None:
        self.closed_by_reader = True
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, self._stream.fileno())  # what was buffered now drains into /dev/null
        finally:
            os.close(null)

    def _guard(self, call: Any, *args: Any) -> Any:
        try:
            return call(*args)
        except BrokenPipeError:
            self._to_null()
            with contextlib.suppress(BrokenPipeError):
                return call(*args)
            return None

    def write(self, text: str) -> int:
        self._guard(self._stream.write, text)
        return len(text)

    def flush(self) -> None:
        self._guard(self._stream.flush)

    def isatty(self) -> bool:
        return False if self.closed_by_reader else self._stream.isatty()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def guard_stdout() -> None:
    """Install `QuietWhenClosed` as `sys.stdout` (the console script calls this once)."""
    if not isinstance(sys.stdout, QuietWhenClosed) and hasattr(sys.stdout, "fileno"):
        try:
            sys.stdout.fileno()
        except (OSError, ValueError):  # not a real file (an IDE, a test capture): leave it
            return
        sys.stdout = QuietWhenClosed(sys.stdout)  # type: ignore[assignment]
