"""Startup of `emotrain --help`, `emotrain train --help` and `emotrain --version` against a bare
Typer app of the same shape, in one run.

The bare app is generated into a temporary file from emotrain's own command tree: the same
commands (and the `registry` group with its subcommands), the same number of options of the same
kinds on each, the same root options, the same rich help mode, and nothing imported but typer. So
the ratio is what emotrain adds to what any Typer app of this size costs: its own imports and how
it registers commands. Goal (issue 18): each ratio <= 1.3.

    OMP_NUM_THREADS=1 python bench/bench_startup.py [--rounds 15]

Each round runs the six command lines once each, interleaved, so machine load hits both sides
alike; the medians are compared.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import typing
from pathlib import Path
from typing import Any

CASES = {"--help": ["--help"], "train --help": ["train", "--help"], "--version": ["--version"]}


def _annotation(hint: Any) -> str:
    """The annotation, as source text, of one parameter of an emotrain command."""
    if hint in (int, float, str, bool, Path):
        return hint.__name__
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if typing.get_origin(hint) is list:
        return "list[str]"
    if len(args) == 1:  # X | None
        return f"{_annotation(args[0])} | None"
    return "str"


def _default(param: Any) -> str:
    value = param.default
    if param.required:
        return ""
    if isinstance(value, (bool, int, float, str)) and not isinstance(value, Path):
        return f" = {value!r}"
    if isinstance(value, Path):
        return f" = Path({str(value)!r})"
    return " = None"


def _function(name: str, command: Any) -> str:
    callback = command.callback
    hints = typing.get_type_hints(getattr(callback, "__wrapped__", callback))
    lines = [f"def {name}("]
    ordered = [p for p in command.params if p.required] + [
        p for p in command.params if not p.required
    ]
    for i, param in enumerate(ordered):
        if param.name in ("help", "ctx"):
            continue
        if param.param_type_name == "argument":
            info = f"typer.Argument(metavar={param.metavar!r}, help={param.help!r})"
        else:
            decls = list(param.opts)
            if param.secondary_opts:
                decls = [f"{param.opts[0]}/{param.secondary_opts[0]}", *param.opts[1:]]
            info = f"typer.Option(*{decls!r}, metavar={param.metavar!r}, help={param.help!r})"
        hint = _annotation(hints[param.name])
        lines.append(f"    p{i}: Annotated[{hint}, {info}]{_default(param)},")
    lines.append(") -> None:")
    lines.append(f"    {(command.help or '').strip()!r}")
    return "\n".join(lines)


def bare_app_source() -> str:
    """A Typer app file with emotrain's shape: its commands and groups, their options' kinds."""
    import typer

    from emotrain.cli import COMMANDS, build_app

    root = typer.main.get_command(build_app(COMMANDS))
    out = [
        "from pathlib import Path",
        "from typing import Annotated",
        "import typer",
        'CTX = {"help_option_names": ["-h", "--help"]}',
        "app = typer.Typer(name='bare', no_args_is_help=True, add_completion=False,",
        "                  pretty_exceptions_enable=False, rich_markup_mode='rich',",
        "                  context_settings=CTX)",
        "def _version(value: bool) -> None:",
        "    if value:",
        "        typer.echo('bare 0.1.0')",
        "        raise typer.Exit()",
        "@app.callback()",
        "def root(",
        "    version: Annotated[bool, typer.Option('--version', callback=_version,"
        " is_eager=True, help='Print the version and exit.')] = False,",
        "    debug: Annotated[bool, typer.Option('--debug', help='Show tracebacks.')] = False,",
        ") -> None:",
        f"    {root.help!r}",
    ]
    for index, (name, command) in enumerate(root.commands.items()):
        if hasattr(command, "commands"):  # a group: a sub-app with its own commands
            group = f"group{index}"
            out.append(f"{group} = typer.Typer(no_args_is_help=True, rich_markup_mode='rich',"
                       " context_settings=CTX)")  # fmt: skip
            out.append(f"app.add_typer({group}, name={name!r}, help={command.help!r})")
            for sub_index, (sub_name, sub) in enumerate(command.commands.items()):
                function = f"c{index}_{sub_index}"
                out.append(f"@{group}.command({sub_name!r})")
                out.append(_function(function, sub))
            continue
        out.append(f"@app.command({name!r})")
        out.append(_function(f"c{index}", command))
    out.append("if __name__ == '__main__':")
    out.append("    app()")
    return "\n".join(out) + "\n"


def _time(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.decode()[-500:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    rounds = parser.parse_args().rounds
    env = {**os.environ, "COLUMNS": "80", "OMP_NUM_THREADS": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / "bare_app.py"
        bare.write_text(bare_app_source(), encoding="utf-8")
        ours = Path(tmp) / "emotrain_app.py"  # what the console script runs
        ours.write_text("from emotrain.cli import main\nmain()\n", encoding="utf-8")
        sides = {"emotrain": ours, "bare Typer": bare}
        times: dict[tuple[str, str], list[float]] = {}
        for path in sides.values():  # warm the file cache and .pyc files once
            for args in CASES.values():
                _time([sys.executable, str(path), *args], env)
        for _ in range(rounds):
            for case, args in CASES.items():
                for side, path in sides.items():
                    times.setdefault((case, side), []).append(
                        _time([sys.executable, str(path), *args], env)
                    )
    print(f"startup, median of {rounds} runs each (same machine, same run, interleaved)")
    print(f"{'command':<16}{'emotrain':>12}{'bare Typer':>12}{'ratio':>8}  goal <= 1.3")
    for case in CASES:
        ours_s = statistics.median(times[(case, "emotrain")])
        bare_s = statistics.median(times[(case, "bare Typer")])
        print(f"{case:<16}{ours_s * 1000:>10.0f}ms{bare_s * 1000:>10.0f}ms{ours_s / bare_s:>8.2f}")


if __name__ == "__main__":
    main()
