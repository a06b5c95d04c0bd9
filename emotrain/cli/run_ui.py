"""What `train` and `resume` share on the terminal: Ctrl-C handling, progress and the summary table."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from emotrain.runs.status import RunStatus
from emotrain.tolerance import DEFAULT_TOLERANCE


def summary_table(results: list[Any], output: str, width: int = 140) -> Any:
    """One row per model, fitted to `width` (cli/tables.py): names, statuses and metric names are
    never cut; headers wrap, then each metric's value moves under its name, then the export error,
    the best loss and the best epoch move to a second table, said in a note."""
    from rich import box

    from emotrain.cli.tables import Col, fitted_table

    cols = (
        Col("model", key=True),
        Col("status", key=True),
        Col("best epoch", drop=3, justify="right"),
        Col("best val loss", drop=2, justify="right"),
        Col("metrics", wrap=True),
        Col("export max err", drop=1, justify="right"),
    )
    rows = [
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
        for r in results
    ]
    return fitted_table(cols, rows, width, title=f"emotrain: run in {escape(str(output))}",
                        box=box.SIMPLE_HEAD)  # fmt: skip


def console() -> Console:
    """The terminal's width; on pipes and in logs `COLUMNS` when set, else wide enough that the
    summary table is not wrapped mid-word."""
    from emotrain.cli.tables import out_console

    return out_console()


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
            raise RunInterrupted(
                "interrupted: progress since the last completed epoch was discarded; the "
                f"latest checkpoint is in {output}/checkpoints. Continue with: emotrain resume "
                f"{output}",
                stop.signum,
            ) from None
        except RunInterrupted as exc:  # stopped before training began: nothing was changed
            raise RunInterrupted(exc.detail, stop.signum) from None
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
    config: Any,
    *,
    overwrite: bool,
    quiet: bool,
    tolerance: float = DEFAULT_TOLERANCE,
    loggers: Any = None,
) -> None:
    from emotrain.pipeline import train
    from emotrain.training.progress import make_reporter

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
        r.export_failure if r.status == RunStatus.EXPORT_FAILED else f"{r.name}: {r.stop_reason}"
        for r in results
        if r.status in (RunStatus.DIVERGED, RunStatus.EXPORT_FAILED)
    ]
    if bad:
        raise TrainingError("; ".join(bad))
