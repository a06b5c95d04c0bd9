"""Tables a person reads, fitted to the terminal, with every figure kept.

Rich squeezes every column of a table that is too wide, so at 80 columns `groovepredictor@1`
and `groovepredictor@2` both became `groovepredictor…`; dropping columns instead lost figures
without a word. Here a table that does not fit first wraps its free-text cells at separators
(spaces, `/`, `,`) and its headers at spaces; then columns move, in their `drop` order, to a
second table under the first (keyed by the first column) and a note says which moved. Nothing is
cut and nothing disappears, at any width. Piped output honours `COLUMNS` (`out_console`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

#: A wrapping column keeps at least this many characters (or its longest unbreakable piece).
MIN_WRAP = 12
#: Width of a pipe or log file when `COLUMNS` does not say: wide enough not to wrap most tables.
PIPE_WIDTH = 140
_BREAK = re.compile(r"(?<=[ /,\\])")  # a line may break after a space, a slash or a comma


@dataclass(frozen=True)
class Col:
    header: str
    key: bool = False  # stays in the first table: moved only when nothing else is left to move
    wrap: bool = False  # free text: wraps at separators (a long piece folds only if it must)
    drop: int = 0  # 0: stays; otherwise moved to a second table in increasing order
    justify: str = "left"


def out_console(**options: Any) -> Any:
    """A rich Console for tables on stdout: the terminal's width; on a pipe or in a log `COLUMNS`
    when it is set, else `PIPE_WIDTH`."""
    from rich.console import Console

    console = Console(**options)
    if not console.is_terminal and not os.environ.get("COLUMNS", "").strip().isdigit():
        console = Console(width=PIPE_WIDTH, **options)
    return console


def _plain(cell: Any) -> str:
    return cell.plain if hasattr(cell, "plain") else str(cell)  # rich Text, or a string


def _natural(col: Col, cells: Sequence[Any]) -> int:
    longest = max((len(line) for cell in cells for line in _plain(cell).split("\n")), default=0)
    return max(longest, len(col.header), 1)


def _pieces(text: str) -> list[str]:
    return [p for line in text.split("\n") for p in _BREAK.split(line) if p]


def _least(col: Col, cells: Sequence[Any]) -> int:
    """The narrowest the column can be without cutting a word: headers wrap at spaces, free text
    at separators; other cells stay whole on their lines."""
    header = max((len(w) for w in col.header.split()), default=1)
    if col.wrap:
        piece = max((len(p) for c in cells for p in _pieces(_plain(c))), default=1)
        text = max(piece, min(_natural(col, cells), MIN_WRAP))
    else:
        text = max((len(ln) for c in cells for ln in _plain(c).split("\n")), default=1)
    return max(header, text, 1)


def wrap_at_separators(text: str, width: int) -> str:
    """`text` in lines of at most `width` characters, broken after spaces, slashes or commas;
    a piece longer than `width` is folded (the only case where a word is split)."""
    out: list[str] = []
    for line in text.split("\n"):
        current = ""
        for piece in _BREAK.split(line):
            if current and len(current) + len(piece.rstrip()) > width:
                out.append(current.rstrip())
                current = ""
            current += piece
            while len(current.rstrip()) > width:
                out.append(current[:width])
                current = current[width:]
        out.append(current.rstrip())
    return "\n".join(out)


def _overhead(n: int, boxed: bool) -> int:
    # each column is padded by one space on both sides; a box adds a border between and around
    return 3 * n + 1 if boxed else 2 * n


def _widths(cols: list[Col], cells: list[list[Any]], width: int, boxed: bool) -> list[int]:
    """Natural widths, narrowed (wrapping columns and headers first) until the sum fits."""
    natural = [_natural(c, cs) for c, cs in zip(cols, cells, strict=True)]
    least = [_least(c, cs) for c, cs in zip(cols, cells, strict=True)]
    sizes = list(natural)
    excess = sum(sizes) + _overhead(len(cols), boxed) - width
    for i in sorted(range(len(cols)), key=lambda i: (cols[i].wrap, least[i] - natural[i])):
        if excess <= 0:
            break
        cut = min(excess, sizes[i] - least[i])
        sizes[i] -= cut
        excess -= cut
    return sizes


def _fits(cols: list[Col], cells: list[list[Any]], width: int, boxed: bool) -> bool:
    least = sum(_least(c, cs) for c, cs in zip(cols, cells, strict=True))
    return least + _overhead(len(cols), boxed) <= width


def _one_table(cols, cells, width, boxed, table_options) -> Any:
    from rich.markup import escape
    from rich.table import Table

    sizes = _widths(cols, cells, width, boxed)
    table = Table(**table_options)
    for col, size in zip(cols, sizes, strict=True):
        # every cell already fits `size` (wrapped here at separators): only headers wrap
        table.add_column(col.header, width=size, overflow="fold", justify=col.justify)
    for r in range(len(cells[0]) if cells else 0):
        row = []
        for col, size, column in zip(cols, sizes, cells, strict=True):
            cell = column[r]
            if hasattr(cell, "plain"):
                row.append(cell)
            else:
                row.append(escape(wrap_at_separators(cell, size) if col.wrap else cell))
        table.add_row(*row)
    return table


def _move_order(cols: Sequence[Col]) -> list[int]:
    """Which columns leave the first table first: by `drop`, then the others from the right,
    key columns last; the first column (the row's name) never leaves."""
    dropped = sorted((i for i, c in enumerate(cols) if c.drop), key=lambda i: cols[i].drop)
    others = [i for i in range(len(cols) - 1, 0, -1) if not cols[i].drop and not cols[i].key]
    keys = [i for i in range(len(cols) - 1, 0, -1) if not cols[i].drop and cols[i].key]
    return dropped + others + keys


def fitted_table(
    cols: Sequence[Col], rows: Sequence[Sequence[Any]], width: int, **table_options: Any
) -> Any:
    """`rows` as rich renderables that fit `width` columns: one table when it fits (free text
    wrapped at separators), else a first table and the columns that did not fit in further
    tables keyed by the first column, with a note saying so. Cells are plain strings (escaped
    here) or rich `Text` (kept, with its style)."""
    from rich.console import Group
    from rich.text import Text

    boxed = table_options.get("box", True) is not None
    cells = [[row[i] for row in rows] for i in range(len(cols))]
    keep = list(range(len(cols)))
    moved: list[int] = []
    for i in _move_order(cols):
        if _fits([cols[k] for k in keep], [cells[k] for k in keep], width, boxed):
            break
        keep.remove(i)
        moved.append(i)
    first = _one_table([cols[k] for k in keep], [cells[k] for k in keep], width, boxed,
                       table_options)  # fmt: skip
    if not moved:
        return first
    moved.sort()
    more_options = {k: v for k, v in table_options.items() if k not in ("title", "caption")}
    groups: list[list[int]] = []
    for i in moved:  # pack the moved columns, in their order, into as few tables as fit
        if groups and _fits([cols[k] for k in [0, *groups[-1], i]],
                            [cells[k] for k in [0, *groups[-1], i]], width, boxed):  # fmt: skip
            groups[-1].append(i)
        else:
            groups.append([i])
    names = ", ".join(f"'{cols[i].header}'" for i in moved)
    note = (f"note: {names} did not fit {width} columns; "
            f"{'they are' if len(moved) > 1 else 'it is'} in the table below, by "
            f"{cols[0].header}")  # fmt: skip
    note = Text(wrap_at_separators(note, width), style="dim")  # wrapped here: soft-wrap consoles
    parts = [first, note]
    for group in groups:
        parts.append(_one_table([cols[k] for k in [0, *group]], [cells[k] for k in [0, *group]],
                                width, boxed, more_options))  # fmt: skip
    return Group(*parts)


def number(value: Any, digits: int = 4) -> str:
    """A figure for people: `digits` significant digits, no 17-digit floats, words for none."""
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)
