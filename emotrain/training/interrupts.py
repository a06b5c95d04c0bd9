"""Stop a run cleanly on Ctrl-C, SIGTERM or SIGHUP: the one place that turns signals into a stop.

`timeout`, Slurm, `docker stop` and systemd send SIGTERM; closing a terminal sends SIGHUP. Each means
"stop", so each gets what Ctrl-C gets: the loop finishes or abandons the current batch, the last epoch's
checkpoint stands, the history says `interrupted`, and the command exits 128 + the signal's number.
A second signal of any of them means "now": SIGINT raises KeyboardInterrupt (exit 130), the others
end the process the way the signal itself would.

Library code that runs a training loop (`train`, `resume`, a tuning study) wraps it in
`stop_on_signals()` and passes the yielded event as `stop_event`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator

#: The signals that ask a run to stop (SIGHUP does not exist on Windows).
STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


class StopRequest(threading.Event):
    """An event set by the first stop signal; `signum` says which (SIGINT when set by hand)."""

    def __init__(self) -> None:
        super().__init__()
        self.signum: int = int(signal.SIGINT)

    @property
    def exit_code(self) -> int:
        return 128 + self.signum

    @property
    def signal_name(self) -> str:
        try:
            return signal.Signals(self.signum).name
        except ValueError:  # pragma: no cover - a number no platform names
            return f"signal {self.signum}"


def _second_signal(signum: int) -> None:
    if signum == signal.SIGINT:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        raise KeyboardInterrupt
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[StopRequest]:
    """Within the block, SIGINT/SIGTERM/SIGHUP set the yielded event instead of killing the process.

    Outside the main thread (where Python cannot install handlers) the event is still yielded, so
    a caller can set it by other means; the previous handlers are restored on the way out.
    """
    stop = StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handler(signum, frame):  # pragma: no cover - exercised by subprocess tests
        if stop.is_set():
            _second_signal(signum)
            return
        stop.signum = signum
        stop.set()

    previous = {s: signal.getsignal(s) for s in STOP_SIGNALS}
    # A signal the caller ignores (`nohup` ignores SIGHUP) stays ignored.
    previous = {s: h for s, h in previous.items() if h is not signal.SIG_IGN}
    for s in previous:
        signal.signal(s, handler)
    try:
        yield stop
    finally:
        for s, h in previous.items():
            signal.signal(s, h if h is not None else signal.SIG_DFL)
