"""Write an epoch's files on a worker thread while the next epoch trains.

Serialising a checkpoint must happen on the training thread (the optimizer mutates its tensors in
place on the next step), but writing and fsyncing it need not: that is a few tens of milliseconds per
epoch that would otherwise stall small models. One worker keeps the writes in order (best, latest,
history), at most one epoch is in flight, and `wait()` re-raises a failed write (a full disk) on the
training thread before anything else is written.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any


class BackgroundWriter:
    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="emotrain-writer")
        self._pending: Future[Any] | None = None

    def submit(self, job: Callable[[], Any]) -> None:
        self.wait()
        self._pending = self._pool.submit(job)

    def wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def close(self) -> None:
        try:
            self.wait()
        finally:
            self._pool.shutdown(wait=True)
