"""What `--help` shows: plain placeholders, never Python types, and a fast, light import."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

COMMANDS = [
    "",
    "train",
    "resume",
    "evaluate",
    "export-rtneural",
    "plot",
    "tune",
    "compare",
    "registry add",
    "registry ship",
    "registry promote",
    "registry diff",
]
OPTION_PART = re.compile(r"^--?[a-z][-a-z]*( [A-Z][A-Z_]*)?$")


def _option_records(text: str) -> list[str]:
    """The left column of every option line ("-m, --model MODEL", "--log / --linear")."""
    records = []
    for line in text.splitlines():
        match = re.match(r"^  (-\S.*?)(?:\s{2,}|$)", line)
        if match:
            records.append(match.group(1))
    return records


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_has_a_plain_placeholder(cli, command):
    result = cli(*command.split(), "--help")
    assert result.code == 0
    records = _option_records(result.out)
    assert len(records) >= 3
    for record in records:
        for part in re.split(r", | / ", record):
            assert OPTION_PART.match(part), f"{command}: {record!r}"
    assert not re.search(r"<(int|float|str|bool|path|list\[\w+\])>", result.out), result.out
    usage = result.out.splitlines()[0]
    for placeholder in re.findall(r"[{\[]([^}\]]+)[}\]]", usage):
        assert placeholder == placeholder.upper(), usage  # {RUN_DIR}, {SOURCE}, [OPTIONS]


@pytest.mark.parametrize(("command", "argument"), [("resume", "RUN_DIR"),
                         ("export-rtneural", "SOURCE"), ("plot", "RUN_DIR...")])  # fmt: skip
def test_arguments_are_described_under_their_placeholder(cli, command, argument):
    text = cli(command, "--help").out
    assert re.search(rf"^    {re.escape(argument)}  \S", text, re.M), text


@pytest.mark.parametrize("command", COMMANDS)
def test_help_lines_fit_80_columns(cli, monkeypatch, command):
    monkeypatch.setenv("COLUMNS", "80")
    text = cli(*command.split(), "--help").out
    assert max(map(len, text.splitlines())) <= 80, text


def test_top_level_help_imports_neither_torch_nor_the_markdown_renderer():
    """`emotrain --help` stays light: rich's Markdown (and markdown_it) cost as much as typer."""
    code = (
        "import sys\n"
        "from emotrain.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('torch', 'markdown_it', 'rich.markdown', 'rich.syntax', 'pygments',"
        " 'numpy', 'matplotlib', 'optuna', 'pandas') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "HEAVY []" in out.stdout, out.stdout
