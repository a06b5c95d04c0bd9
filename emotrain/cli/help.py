"""How `--help` reads at 80 columns: every command's screen is drawn by our options panel.

Typer's panel gives each option six columns (long names, short names, negative names twice,
the type, the help), so at 80 columns the help had 20 characters and option names and defaults
were cut (`--early-stopping-pa…`); flags showed `<bool>`, arguments `<path>` beside their name,
the usage `{RUN_DIR}`, and `--learning-rate,--lr` had no space. Here an option is one name
column (`--learning-rate, --lr`; a negative form on its own line), its placeholder (none for a
flag), and the help, which takes the rest of the width. Commands take `cls=HelpCommand` (groups
`HelpGroup`); only typer is imported here, and rich only when a help screen is drawn.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from typer.core import TyperCommand, TyperGroup

#: Panel names, so commands group their options alike (train, tune, resume, evaluate, ...).
DATA, TRAINING, OUTPUT, TRACKERS = "Data", "Training", "Output", "Trackers"

_DEBUG_HELP = "Show the full traceback on errors (also before the command)."


def _names(param: Any) -> str:
    if param.param_type_name == "argument":
        return param.metavar or (param.name or "").upper()
    longs = [o for o in param.opts if o.startswith("--")]
    shorts = [o for o in param.opts if not o.startswith("--")]
    names = ", ".join(longs + shorts)
    if getattr(param, "secondary_opts", None):
        names += "\n" + ", ".join(param.secondary_opts)
    return names


def _placeholder(param: Any) -> str:
    if param.param_type_name == "argument" or getattr(param, "is_flag", False):
        return ""  # an argument's name is its placeholder; a flag takes no value
    return param.metavar or (param.name or "").upper()


def _options_panel(*, name: str, params: list[Any], ctx: Any, markup_mode: Any,
                   console: Any) -> None:  # fmt: skip
    """Typer's `_print_options_panel`, in three columns; the help column takes the rest."""
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text
    from typer import rich_utils as ru

    if not params:
        return
    table = Table(highlight=True, show_header=False, expand=True, box=None, pad_edge=False,
                  padding=(0, 1))  # fmt: skip
    required = any(p.required for p in params)
    if required:
        table.add_column(no_wrap=True, width=1)
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True, style=ru.STYLE_TYPES)
    table.add_column(ratio=1)
    rows = list(params)
    if name == ru.OPTIONS_PANEL_TITLE and isinstance(ctx.command, HelpCommand):
        # cli.main() takes --debug anywhere on the line; a command's screen lists it too
        at = next((i for i, p in enumerate(rows) if "--help" in getattr(p, "opts", ())), len(rows))
        rows.insert(at, None)
    for param in rows:
        if param is None:
            table.add_row(*([""] if required else []), ru.highlighter("--debug"), Text(""),
                          Text(_DEBUG_HELP))  # fmt: skip
            continue
        row: list[Any] = []
        if required:
            row.append(Text("*", style=ru.STYLE_REQUIRED_SHORT) if param.required else "")
        row += [ru.highlighter(_names(param)), Text(_placeholder(param)),
                ru._get_parameter_help(param=param, ctx=ctx, markup_mode=markup_mode)]  # fmt: skip
        table.add_row(*row)
    console.print(Panel(table, border_style=ru.STYLE_OPTIONS_PANEL_BORDER, title=name,
                        title_align=ru.ALIGN_OPTIONS_PANEL))  # fmt: skip


@contextlib.contextmanager
def _our_panels() -> Iterator[None]:
    from typer import rich_utils

    theirs = rich_utils._print_options_panel
    rich_utils._print_options_panel = _options_panel
    try:
        yield
    finally:
        rich_utils._print_options_panel = theirs


def _unbraced(pieces: list[str]) -> list[str]:
    return [p.replace("{", "").replace("}", "") for p in pieces]  # `{RUN_DIR}` -> `RUN_DIR`


class _OurScreen:
    """What commands and groups both change: the usage line unbraced, our panels drawn."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        return _unbraced(super().collect_usage_pieces(ctx))  # type: ignore[misc]

    def format_help(self, ctx: Any, formatter: Any) -> None:
        with _our_panels():
            super().format_help(ctx, formatter)  # type: ignore[misc]


class HelpCommand(_OurScreen, TyperCommand):
    """A command whose help screen reads at 80 columns and lists `--debug`."""


class HelpGroup(_OurScreen, TyperGroup):
    """A group (`emotrain`, `registry`) drawn with the same panels."""
