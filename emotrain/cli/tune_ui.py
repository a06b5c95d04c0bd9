"""The study on the terminal: a live table of trials (a TTY), one line per finished trial (a pipe),
and Ctrl-C handling that leaves the running trial resumable."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any

from rich.markup import escape
from rich.table import Table

SHOWN = 15  # rows of the live table: the latest trials


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return "-" if v is None else str(v)


def params_text(params: dict[str, Any]) -> str:
    """`name=value, ...` with values rounded for people (the study's JSON keeps them whole)."""
    return ", ".join(f"{k}={_fmt(v)}" for k, v in params.items()) or "-"


class TrialTable:
    def __init__(self, spec: Any, *, live: bool, plain: bool):
        self.spec, self.plain = spec, plain
        self.printed: set[int] = set()
        self.best: float | None = None
        self._live = None
        if live:
            from rich.live import Live

            from emotrain.cli.run_ui import console

            self._live = Live(self._table([]), console=console(), refresh_per_second=2)
            self._live.start()

    def _better(self, value: float) -> bool:
        if self.best is None:
            return True
        return value < self.best if self.spec.direction == "minimize" else value > self.best

    def _table(self, trials: list[Any], width: int | None = None) -> Table:
        """The latest trials, fitted to the terminal: trial numbers, states and values whole;
        the parameters wrap, and "best so far" goes first when the width runs short."""
        from emotrain.cli.tables import Col, fitted_table

        if width is None:
            width = self._live.console.width if self._live is not None else 140
        cols = (
            Col("trial", key=True, justify="right"),
            Col("state", key=True),
            Col("value", key=True, justify="right"),
            Col("best so far", drop=1, justify="right"),
            Col("params", wrap=True),
        )
        best = None
        rows = []
        for t in trials:
            value = t.value if t.values and t.state.name == "COMPLETE" else None
            if value is not None and (
                best is None or (value < best) == (self.spec.direction == "minimize")
            ):
                best = value
            rows.append((str(t.number), t.state.name.lower(), _fmt(t.value if t.values else None),
                         _fmt(best), params_text(t.params)))  # fmt: skip
        return fitted_table(cols, rows[-SHOWN:], width,
                            title=f"emotrain tune: {escape(self.spec.study_name)}")  # fmt: skip

    def update(self, trials: list[Any]) -> None:
        if self._live is not None:
            self._live.update(self._table(trials))
            return
        if not self.plain:
            return
        for t in trials:
            if t.number in self.printed or t.state.name in ("RUNNING", "WAITING"):
                continue
            self.printed.add(t.number)
            value = t.value if t.values else None
            if t.state.name == "COMPLETE" and value is not None and self._better(value):
                self.best = value
            params = " ".join(f"{k}={_fmt(v)}" for k, v in t.params.items())
            reason = t.user_attrs.get("fail_reason", "")
            sys.stdout.write(
                f"trial {t.number} {t.state.name.lower()} value {_fmt(value)} best {_fmt(self.best)}"
                f" {params}{' (' + reason + ')' if reason else ''}\n"
            )
            sys.stdout.flush()

    def close(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None


def interruptible(run: Callable[[threading.Event], Any]) -> Any:
    """First Ctrl-C, SIGTERM or SIGHUP: the running trial stops at its next batch, its last epoch's
    checkpoint kept (exit 128 + the signal; the same command resumes it); a second: stop now.
    The same handling as `train` and `resume` (training/interrupts.py)."""
    from emotrain.training.interrupts import stop_on_signals

    with stop_on_signals() as stop:
        return run(stop)
