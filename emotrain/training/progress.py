"""How training reports progress: rich bars on a terminal, one line per epoch elsewhere, or nothing.

The trainer only calls these methods; it never knows which reporter it has. Per-batch calls pass the
loss tensor, and only the rich reporter reads it (every few batches), so the plain and silent
reporters add no device sync to the hot loop.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

from rich.markup import escape


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"


class Reporter:
    """The silent reporter (`--quiet`), and the base of the others."""

    def model_started(
        self,
        name: str,
        *,
        start_epoch: int,
        epochs: int,
        batches: int,
        n_train: int,
        n_val: int,
        description: str,
    ) -> None: ...

    def epoch_started(self, epoch: int) -> None: ...

    def batch_done(self, loss: Any) -> None: ...

    def epoch_done(
        self,
        name: str,
        row: dict[str, Any],
        *,
        epochs: int,
        best: float | None,
        patience_left: int,
        metric: str,
        stopped: str | None = None,
    ) -> None:
        """One finished epoch; `stopped` is the early-stopping reason when training ends here."""

    def message(self, text: str) -> None: ...

    def data_progress(self, label: str, done: int, total: int) -> None:
        """Slow data preparation (feature extraction, MIDI parsing): called as items finish."""

    def warn(self, text: str) -> None:
        """Warnings reach the user even with --quiet: on stderr, so stdout stays clean for scripts."""
        sys.stderr.write(f"warning: {text}\n")
        sys.stderr.flush()

    def model_done(self, name: str) -> None: ...

    def close(self) -> None: ...


class PlainReporter(Reporter):
    """One line per epoch: what CI logs, pipes and `nohup` files should hold."""

    #: A data-progress line each time this many percent more are done: a log of 1,800 DEAM files
    #: gets about 20 lines, a slow extraction still shows it moves.
    DATA_STEP_PERCENT = 5

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stdout
        self._data_shown: dict[str, int] = {}  # label -> last percent printed

    def _print(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def model_started(self, name, *, start_epoch, epochs, batches, n_train, n_val, description):
        start = f", resuming after epoch {start_epoch}" if start_epoch else ""
        self._print(
            f"[{name}] {description}; {n_train} train / {n_val} val sequences, "
            f"{batches} batches/epoch, up to {epochs} epochs{start}"
        )

    def epoch_done(self, name, row, *, epochs, best, patience_left, metric, stopped=None):
        metric_value = row.get(f"val_{metric}")
        self._print(
            f"[{name}] epoch {row['epoch']}/{epochs} train_loss {_fmt(row.get('train_loss'))} "
            f"val_loss {_fmt(row.get('val_loss'))} {metric} {_fmt(metric_value)} best {_fmt(best)} "
            f"patience {patience_left} lr {row.get('lr', 0):.3g} "
            f"{row.get('samples_per_s', 0):.0f} samples/s"
            + (f"; early stopped: {stopped}" if stopped else "")
        )

    def message(self, text):
        self._print(text)

    def data_progress(self, label, done, total):
        # A line at the start, every few percent and at the end: enough for a log, never a flood
        # (whatever order and however often the callers report).
        percent = 100 if total <= 0 else min(100, done * 100 // total)
        last = None if done == 0 else self._data_shown.get(label)  # 0: a new pass starts
        step = self.DATA_STEP_PERCENT
        if last is None or (percent // step > last // step) or (done >= total and last < 100):
            self._data_shown[label] = percent
            self._print(f"{label}: {done}/{total} ({percent}%)")


class RichReporter(Reporter):
    """A bar per epoch over batches, with the numbers a user watches while a model trains."""

    REFRESH_EVERY = 8  # batches between loss reads: keeps the display live without a sync per step

    def __init__(self, console=None):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn

        from emotrain.training.progress_layout import FittedProgress

        self.console = console or Console()
        bar = BarColumn()
        # (column, priority): 0 always shows; higher numbers are dropped first on a narrow terminal
        self.progress = FittedProgress(
            [
                (TextColumn("[bold]{task.fields[model]}[/]{task.fields[epoch]}"), 0),
                (bar, 0),
                (MofNCompleteColumn(), 4),
                (TextColumn("loss {task.fields[loss]}"), 1),
                (TextColumn("val {task.fields[val]} best {task.fields[best]}"), 2),
                (TextColumn("patience {task.fields[patience]}"), 3),
                (TextColumn("{task.fields[speed]}"), 5),
                (TimeElapsedColumn(), 6),
            ],
            bar,
            console=self.console,
            transient=False,
        )
        self.progress.start()
        self.task = None
        self.batches = 0
        self.seen = 0
        self.epochs = 0
        self.fields: dict[str, Any] = {}
        self.data_task = None
        self.data_label = ""

    def model_started(self, name, *, start_epoch, epochs, batches, n_train, n_val, description):
        self.console.print(
            f"[bold]{escape(name)}[/]: {escape(description)}; {n_train} train / {n_val} val sequences"
            + (f"; resuming after epoch {start_epoch}" if start_epoch else "")
        )
        self.batches, self.epochs = batches, epochs
        self.fields = {
            "model": name,
            "epoch": f" epoch {start_epoch + 1}/{epochs}",
            "loss": "-",
            "val": "-",
            "best": "-",
            "patience": "-",
            "speed": "",
        }
        self.task = self.progress.add_task(name, total=batches, **self.fields)

    def epoch_started(self, epoch):
        self.seen = 0
        self.fields["epoch"] = f" epoch {epoch}/{self.epochs}"
        self.progress.reset(self.task, total=self.batches, **self.fields)

    def batch_done(self, loss):
        self.seen += 1
        if self.seen % self.REFRESH_EVERY == 0 or self.seen == self.batches:
            self.fields["loss"] = f"{float(loss):.4g}"
        self.progress.update(self.task, advance=1, loss=self.fields["loss"])

    def epoch_done(self, name, row, *, epochs, best, patience_left, metric, stopped=None):
        self.fields.update(
            loss=_fmt(row.get("train_loss")),
            val=_fmt(row.get("val_loss")),
            best=_fmt(best),
            patience=str(patience_left),
            speed=f"{row.get('samples_per_s', 0):.0f} samples/s",
        )
        self.progress.update(self.task, **self.fields)
        if stopped:
            self.progress.console.print(
                f"[bold]{escape(name)}[/]: early stopped at epoch {row['epoch']}: {escape(stopped)}"
            )

    def message(self, text):
        self.progress.console.print(escape(text))

    def data_progress(self, label, done, total):
        if self.data_task is None or self.data_label != label:
            self.data_label = label
            self.data_task = self.progress.add_task(
                label,
                total=total,
                model=escape(label),
                epoch="",
                loss="-",
                val="-",
                best="-",
                patience="-",
                speed="files",
            )
        self.progress.update(self.data_task, completed=done, total=total)
        if done >= total:
            # A finished data step becomes a plain line: its long label would otherwise keep the
            # first column wide for the rest of the run and crowd the training rows out.
            self.progress.remove_task(self.data_task)
            self.progress.console.print(f"{escape(label)}: {done}/{total} files")
            self.data_task, self.data_label = None, ""

    def model_done(self, name):
        if self.task is not None:
            self.progress.stop_task(self.task)

    def close(self):
        self.progress.stop()


def make_reporter(quiet: bool = False, stream: TextIO | None = None) -> Reporter:
    """Bars on a terminal, plain lines when stdout is a pipe or file, nothing with --quiet."""
    if quiet:
        return Reporter()
    out = stream or sys.stdout
    if out.isatty():
        return RichReporter()
    return PlainReporter(out)
