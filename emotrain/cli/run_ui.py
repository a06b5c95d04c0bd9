"""What `train` and `resume` share on the terminal: Ctrl-C handling, progress and the summary table."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table


def _summary_rows(results: list[Any], stacked: bool) -> list[tuple[str, ...]]:
    sep = "\n  " if stacked else " "  # stacked: each value under its metric name
    return [
        (
            r.name,
            r.status,
            "-" if r.best_epoch is None else str(r.best_epoch),
            "-" if r.best_val_loss is None else f"{r.best_val_loss:.5g}",
            "\n".join(f"{k}{sep}{v:.4g}" for k, v in r.val_metrics.items()) or "-",
            "failed"
            if r.export_failure
            else "-"
            if r.export_error is None
            else f"{r.export_error:.1e}",
        )
        for r in results
    ]


_HEADERS = ("model", "status", "best epoch", "best val loss", "metrics", "export max err")
#: Narrower and narrower layouts, tried in order: (columns dropped, headers wrapped, metric
#: values under their names). Model names, statuses and metric names are never cut.
_LAYOUTS = (
    ((), False, False),
    ((), True, False),
    (("best epoch",), True, False),
    (("best epoch",), True, True),
    (("best epoch", "export max err"), True, True),
    (("best epoch", "export max err", "best val loss"), True, True),
)


def summary_table(results: list[Any], output: str, width: int = 140) -> Table:
    """One row per model, fitted to `width`: names, statuses and metric names are never cut;
    headers wrap first, then "best epoch" goes, then each metric's value moves under its name,
    then the export error and the best loss go."""
    from rich import box

    for dropped, wrap_headers, stacked in _LAYOUTS:
        rows = _summary_rows(results, stacked)
        keep = [i for i, h in enumerate(_HEADERS) if h not in dropped]
        widths = {}
        for i in keep:
            cells = max((len(ln) for row in rows for ln in row[i].split("\n")), default=1)
            header = max(map(len, _HEADERS[i].split())) if wrap_headers else len(_HEADERS[i])
            widths[i] = max(cells, header)
        if sum(widths.values()) + 3 * len(keep) + 1 <= width:
            break
    table = Table(title=f"emotrain: run in {escape(str(output))}", box=box.SIMPLE_HEAD)
    for i in keep:
        table.add_column(_HEADERS[i], width=widths[i])  # every cell fits: only headers wrap
    for row in rows:
        table.add_row(*(escape(row[i]) for i in keep))
    return table


def console() -> Console:
    """Wide enough on pipes and log files that the summary table is not wrapped mid-word."""
    import sys

    return Console() if sys.stdout.isatty() else Console(width=140)


#: The networks whose synthetic teacher is a random function of random inputs (no music in it).
_NO_MUSIC = ("harmonypredictor", "dynamicsengine", "groovepredictor")


def synthetic_note(results: list[Any]) -> str | None:
    """Said under the summary of a synthetic run: its helper networks learned nothing musical."""
    names = [r.name for r in results if r.name in _NO_MUSIC]
    if not names:
        return None
    return (
        f"Synthetic data teaches no music: {', '.join(names)} learned a random teacher function "
        "of random inputs. Train dynamics and groove on EMOPIA or a labelled MIDI folder "
        "(docs/data.md)."
    )


def recorded_synthetic(folder: str | Path) -> bool:
    """Whether the run in `folder` recorded the built-in synthetic data (for resume's summary)."""
    import json

    from emotrain.config import DataConfig

    try:
        recorded = json.loads((Path(folder) / "run_config.json").read_text(encoding="utf-8"))
        data = recorded.get("data") or {}
        return DataConfig(format=data.get("format", "auto"), path=data.get("path")).kind == (
            "synthetic"
        )
    except (OSError, ValueError, AttributeError, TypeError):
        return False


def print_summary(results: list[Any], output: str, *, synthetic: bool = False) -> None:
    out = console()
    out.print(summary_table(results, output, out.width))
    out.print(
        f"Files in {escape(str(output))}: <name>.json (RTNeural), checkpoints/, history/, plots/, splits/, run_config.json, run_config.toml"
    )
    note = synthetic_note(results) if synthetic else None
    if note:
        out.print(escape(note), highlight=False)


def with_interrupt(
    run: Callable[[threading.Event], Any],
    output: str,
    finish: Callable[[Any], None] | None = None,
) -> Any:
    """First Ctrl-C, SIGTERM or SIGHUP: stop at the next batch and keep the last epoch's
    checkpoint, exiting 128 + the signal; a second one: exit now.

    `finish` (the summary) runs while the signals are still caught, so a signal that comes after
    the last model finished, during its export or the summary, is never lost or silent: the
    command says the run is complete and exits 0."""
    from emotrain.errors import RunInterrupted
    from emotrain.training.interrupts import stop_on_signals
    from emotrain.training.model_trainer import Interrupted

    with stop_on_signals() as stop:
        try:
            result = run(stop)
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
        if finish is not None:
            finish(result)
        if stop.is_set():
            import sys

            sys.stderr.write(
                f"{stop.signal_name} received as the run ended: every model had finished and "
                f"its files in {output} are complete; nothing to resume\n"
            )
            sys.stderr.flush()
    return result


def run_training(
    config: Any, *, overwrite: bool, quiet: bool, tolerance: float = 1e-5, loggers: Any = None
) -> None:
    from emotrain.training.progress import make_reporter
    from emotrain.training.trainer import train

    reporter = make_reporter(quiet)

    def finish(results: list[Any]) -> None:
        print_summary(results, config.output, synthetic=config.data.kind == "synthetic")
        raise_if_failed(results)

    with_interrupt(
        lambda stop: train(
            config,
            overwrite=overwrite,
            reporter=reporter,
            stop_event=stop,
            tolerance=tolerance,
            loggers=loggers,
        ),
        config.output,
        finish,
    )


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
