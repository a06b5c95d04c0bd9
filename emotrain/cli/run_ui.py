"""What `train` and `resume` share on the terminal: Ctrl-C handling, progress and the summary table."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table


def summary_table(results: list[Any], output: str, width: int = 140) -> Table:
    """One row per model. Names, statuses and numbers are never cut: each column is at least as
    wide as its longest value; when `width` is too narrow for whole headers they wrap, and the
    metrics column (one metric per line) folds, so nothing a user looks up is lost."""
    from rich import box

    rows = []
    for r in results:
        rows.append(
            (
                r.name,
                r.status,
                "-" if r.best_epoch is None else str(r.best_epoch),
                "-" if r.best_val_loss is None else f"{r.best_val_loss:.5g}",
                "\n".join(f"{k} {v:.4g}" for k, v in r.val_metrics.items()) or "-",
                "failed"
                if r.export_failure
                else "-"
                if r.export_error is None
                else f"{r.export_error:.1e}",
            )
        )
    table = Table(title=f"emotrain: run in {escape(str(output))}", box=box.SIMPLE_HEAD)
    headers = ("model", "status", "best epoch", "best val loss", "metrics", "export max err")
    cells = [max((len(line) for row in rows for line in row[i].split("\n")), default=1)
             for i in range(len(headers))]  # fmt: skip
    whole = [max(c, len(h)) for c, h in zip(cells, headers, strict=True)]
    fits = sum(whole) + 2 * len(headers) + 2 <= width  # each cell is padded by one on both sides
    for i, header in enumerate(headers):
        if header == "metrics":
            table.add_column(header, overflow="fold", min_width=8)
            continue
        # A fixed width: rich would otherwise squeeze the widest columns first and cut the names
        words = max(cells[i], max(map(len, header.split())))
        table.add_column(header, width=whole[i] if fits else words)
    for row in rows:
        table.add_row(*(escape(cell) for cell in row))
    return table


def console() -> Console:
    """Wide enough on pipes and log files that the summary table is not wrapped mid-word."""
    import sys

    return Console() if sys.stdout.isatty() else Console(width=140)


def print_summary(results: list[Any], output: str) -> None:
    out = console()
    out.print(summary_table(results, output, out.width))
    out.print(
        f"Files in {escape(str(output))}: <name>.json (RTNeural), checkpoints/, history/, plots/, splits/, run_config.json"
    )


def with_interrupt(run: Callable[[threading.Event], Any], output: str) -> Any:
    """First Ctrl-C, SIGTERM or SIGHUP: stop at the next batch and keep the last epoch's
    checkpoint, exiting 128 + the signal; a second one: exit now."""
    from emotrain.errors import RunInterrupted
    from emotrain.training.interrupts import stop_on_signals
    from emotrain.training.model_trainer import Interrupted

    with stop_on_signals() as stop:
        try:
            return run(stop)
        except Interrupted:
            by = "" if stop.signum == signal.SIGINT else f" by {stop.signal_name}"
            raise RunInterrupted(
                f"interrupted{by}: progress since the last completed epoch was discarded; the "
                f"latest checkpoint is in {output}/checkpoints. Continue with: emotrain resume "
                f"{output}",
                stop.signum,
            ) from None
        except RunInterrupted as exc:  # stopped before training began: nothing was changed
            raise RunInterrupted(str(exc), stop.signum) from None


def run_training(
    config: Any, *, overwrite: bool, quiet: bool, tolerance: float = 1e-5, loggers: Any = None
) -> None:
    from emotrain.training.progress import make_reporter
    from emotrain.training.trainer import train

    reporter = make_reporter(quiet)
    results = with_interrupt(
        lambda stop: train(
            config,
            overwrite=overwrite,
            reporter=reporter,
            stop_event=stop,
            tolerance=tolerance,
            loggers=loggers,
        ),
        config.output,
    )
    print_summary(results, config.output)
    raise_if_failed(results)


def raise_if_failed(results: list[Any]) -> None:
    """A diverged model, or one whose export failed verification, is a failure for scripts, even
    though its checkpoints were kept and the other models finished."""
    from emotrain.errors import TrainingError

    bad = [
        r.export_failure if r.status == "export_failed" else f"{r.name}: {r.stop_reason}"
        for r in results
        if r.status in ("diverged", "export_failed")
    ]
    if bad:
        raise TrainingError("; ".join(bad))
