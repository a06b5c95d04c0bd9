"""Commands are imported only when they run: `emotrain --help` reads one table, not eight modules.

Each case runs in a fresh interpreter (the test process has long imported everything) and reports
what `sys.modules` holds after the command line, as the console script would leave it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HEAVY = ("torch", "numpy", "pandas", "matplotlib", "optuna", "scipy", "soundfile")
_PROBE = """
import json, sys
from emotrain.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


@pytest.fixture(scope="module")
def loaded():
    """Modules loaded by each command line, measured once per module."""
    cache: dict[str, dict] = {}

    def run(line: str) -> dict:
        if line not in cache:
            done = subprocess.run(
                [sys.executable, "-c", _PROBE, *line.split()],
                capture_output=True,
                text=True,
                env={**os.environ, "COLUMNS": "80"},
            )
            assert done.returncode == 0, done.stderr
            cache[line] = json.loads(done.stdout.strip().splitlines()[-1])
        return cache[line]

    return run


def _commands(modules: list[str]) -> set[str]:
    return {m.rsplit(".", 1)[1] for m in modules if m.startswith("emotrain.cli.")} - {
        "options",
        "pipes",
        "help",  # how help screens are drawn (every command's class), not a command
    }


@pytest.mark.parametrize("line", ["--help", "train --help", "--version"])
def test_startup_imports_no_heavy_library(loaded, line):
    result = loaded(line)
    assert result["code"] == 0
    heavy = [m for m in result["modules"] if m.split(".")[0] in HEAVY]
    assert heavy == [], f"emotrain {line} imported {sorted({m.split('.')[0] for m in heavy})}"


@pytest.mark.parametrize(
    ("line", "expected"),
    [("--help", set()), ("--version", set()), ("train --help", {"train"}),
     ("registry --help", {"registry"}), ("resume --help", {"resume"})],
)  # fmt: skip
def test_only_the_command_that_runs_is_imported(loaded, line, expected):
    assert _commands(loaded(line)["modules"]) == expected


def test_the_command_table_matches_each_command():
    """COMMANDS (what `emotrain --help` lists without importing) says what each command's own
    help says, and names a command or a group that exists."""
    import typer

    from emotrain.cli import COMMANDS, app

    root = typer.main.get_command(app)
    assert list(root.commands) == list(COMMANDS)
    for name, (_, short_help) in COMMANDS.items():
        own = (root.commands[name].help or "").strip().split("\n\n")[0]
        assert " ".join(own.split()) == short_help, name


def test_a_mistyped_command_is_still_suggested(cli):
    result = cli("trian")
    assert result.code == 2
    assert result.err_lines == [
        "error: No such command 'trian'. Did you mean 'train'? (see `emotrain --help`)"
    ]
