"""Progress columns that fit the terminal: fields are dropped in a fixed priority, the bar stays.

rich squeezes a too-wide progress row by cutting every text column to an ellipsis and shrinking
the bar to nothing, which on an 80-column terminal leaves "emotionrecognizer epoch… loss 0.05…"
and no bar. Instead the columns are chosen again at every refresh: the model name with its epoch
and a bar of at least `MIN_BAR` cells always; then, while they fit, the batch count, the loss,
validation and best loss, patience, speed and elapsed time, in that order. The bar takes what is
left, up to `MAX_BAR` cells, so a resized terminal re-lays the row out on the next refresh.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.progress import BarColumn, Progress, ProgressColumn, Task
from rich.table import Table

MIN_BAR = 10
MAX_BAR = 40


class FittedProgress(Progress):
    """`Progress` over `(column, priority)` pairs in display order; priority 0 is always shown,
    then 1, 2, ... are added while the row still fits the console width."""

    def __init__(
        self, columns: Sequence[tuple[ProgressColumn, int]], bar: BarColumn, **kwargs: Any
    ):
        from rich import get_console

        self.ranked = list(columns)
        self.bar = bar
        self.target = kwargs.get("console") or get_console()  # rich renders before `live` exists
        super().__init__(*(column for column, _ in self.ranked), **kwargs)

    def _width(self, column: ProgressColumn, tasks: list[Task]) -> int:
        widths = [self.target.measure(column(task)).maximum for task in tasks]
        return max(widths, default=0)

    def fit(self, tasks: Iterable[Task], width: int) -> tuple[ProgressColumn, ...]:
        """The columns shown at `width` cells (and the bar's width set to what remains)."""
        visible = [task for task in tasks if task.visible]
        chosen: set[int] = set()
        used = MIN_BAR
        order = sorted(range(len(self.ranked)), key=lambda i: self.ranked[i][1])
        for i in order:
            column, priority = self.ranked[i]
            if column is self.bar:
                continue
            need = self._width(column, visible) + 1  # one space between columns
            if priority and used + need > width:
                break  # a fixed priority: nothing less important shows once a field is dropped
            chosen.add(i)
            used += need
        self.bar.bar_width = max(MIN_BAR, min(MAX_BAR, width - used + MIN_BAR))
        return tuple(
            column for i, (column, _) in enumerate(self.ranked) if i in chosen or column is self.bar
        )

    def make_tasks_table(self, tasks: Iterable[Task]) -> Table:
        tasks = list(tasks)
        self.columns = self.fit(tasks, self.target.width)
        return super().make_tasks_table(tasks)
