"""Tables a person reads, fitted to the terminal: key columns whole, the rest dropped first.

Rich squeezes every column of a table that is too wide, so at 80 columns `groovepredictor@1`
and `groovepredictor@2` both became `groovepredictor…`. Here each column says whether it is a
key (versions, metric names, verdicts: never cut, never wrapped), text that may wrap, or a
column that can go; the droppable ones go in their order until the rest fits `width`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

#: A wrapping column keeps at least this many characters before columns are dropped for it.
MIN_WRAP = 12


@dataclass(frozen=True)
class Col:
    header: str
    key: bool = False  # never cut or wrapped
    wrap: bool = False  # free text: wraps at word boundaries, folds a long word
    drop: int = 0  # 0: kept; otherwise dropped in increasing order while the table is too wide
    justify: str = "left"


def _plain(cell: Any) -> str:
    return cell.plain if hasattr(cell, "plain") else str(cell)  # rich Text, or a string


def _natural(col: Col, cells: Sequence[Any]) -> int:
    longest = max((len(line) for cell in cells for line in _plain(cell).split("\n")), default=0)
    return max(longest, len(col.header))


def _needed(col: Col, cells: Sequence[Any]) -> int:
    natural = _natural(col, cells)
    return min(natural, max(MIN_WRAP, len(col.header))) if col.wrap else natural


def fitted_table(
    cols: Sequence[Col], rows: Sequence[Sequence[Any]], width: int, **table_options: Any
) -> Any:
    """A rich Table of `rows` that fits `width` columns. Cells are plain strings (escaped here)
    or rich `Text` (kept, with its style)."""
    from rich.markup import escape
    from rich.table import Table

    keep = list(range(len(cols)))

    def total(indices: list[int]) -> int:
        # each column is padded by one space on both sides and followed by one border
        return sum(_needed(cols[i], [r[i] for r in rows]) + 3 for i in indices) + 1

    for i in sorted((i for i, c in enumerate(cols) if c.drop), key=lambda i: cols[i].drop):
        if total(keep) <= width:
            break
        keep.remove(i)
    table = Table(**table_options)
    for i in keep:
        col = cols[i]
        natural = _natural(col, [r[i] for r in rows])
        if col.wrap:
            table.add_column(col.header, overflow="fold", min_width=min(natural, MIN_WRAP),
                             justify=col.justify)  # fmt: skip
        else:
            table.add_column(col.header, no_wrap=True, min_width=natural, justify=col.justify)
    for row in rows:
        table.add_row(*(row[i] if hasattr(row[i], "plain") else escape(row[i]) for i in keep))
    return table


def number(value: Any, digits: int = 4) -> str:
    """A figure for people: `digits` significant digits, no 17-digit floats, words for none."""
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)
