"""What `--help` shows: Typer's rich panels, plain placeholders, defaults as `[default: 40]`."""

from __future__ import annotations

import re

import pytest
import typer

COMMANDS = [
    "",
    "train",
    "resume",
    "evaluate",
    "export-rtneural",
    "plot",
    "tune",
    "compare",
    "registry",
    "registry add",
    "registry list",
    "registry ship",
    "registry promote",
    "registry diff",
    "registry verify",
]
#: A row of an options panel: "│ [*] --long[,--long]  [-s]  [--no-x]  PLACEHOLDER  help... │".
ROW = re.compile(r"^│ \*?\s*(--?[a-z][-a-z,]*(?:\s{2,}--?[a-z][-a-z]*)*)\s{2,}(\S+)\s{2,}\S")


def _panel(text: str, title: str) -> list[str]:
    lines, inside = [], False
    for line in text.splitlines():
        if line.startswith("╭─ "):
            inside = line.startswith(f"╭─ {title} ")
        elif line.startswith("╰"):
            inside = False
        elif inside:
            lines.append(line)
    return lines


def _walk(group: typer.Typer):
    """(command line, click command) of every command, through Typer's documented get_command."""
    root = typer.main.get_command(group)
    for name, command in root.commands.items():
        if hasattr(command, "commands"):
            for sub_name, sub in command.commands.items():
                yield f"{name} {sub_name}", sub
        else:
            yield name, command


def test_every_value_option_has_a_plain_uppercase_placeholder():
    from emotrain.cli import app

    for line, command in _walk(app):
        for param in command.params:
            if param.param_type_name == "option" and not param.is_flag:
                assert param.metavar and re.fullmatch(r"[A-Z][A-Z_]*", param.metavar), (
                    line,
                    param.opts,
                )
            if param.param_type_name == "argument":
                assert re.fullmatch(r"[A-Z][A-Z_]*", param.metavar or ""), (line, param.name)
                assert param.help, (line, param.name)  # described in the Arguments panel


def test_one_style_of_help_for_every_parameter():
    """A sentence ending in a period; a default that is not one value written "Default: X."."""
    from emotrain.cli import app

    for line, command in _walk(app):
        for param in command.params:
            text = (param.help or "").strip()
            assert text.endswith("."), (line, param.name, text)
            assert not re.search(r"[(;,] ?default:", text), (line, param.name, text)


@pytest.mark.parametrize("command", COMMANDS)
def test_options_panel_shows_placeholders_not_python_types(cli, monkeypatch, command):
    monkeypatch.setenv("COLUMNS", "100")
    result = cli(*command.split(), "--help")
    assert result.code == 0, result.err
    rows = [m for line in _panel(result.out, "Options") if (m := ROW.match(line))]
    assert rows, result.out
    for row in rows:
        placeholder = row.group(2)
        assert placeholder == "<bool>" or re.fullmatch(r"[A-Z][A-Z_]*", placeholder), row.group(0)
    assert not re.search(
        r"<(int|float|str|path|list\[\w+\])>", "\n".join(_panel(result.out, "Options"))
    )
    assert "[default: (" not in result.out, result.out  # Typer's form for a text default
    usage = next(line for line in result.out.splitlines() if "Usage:" in line)
    for placeholder in re.findall(r"[{\[]([^}\]]+)[}\]]", usage):
        assert placeholder == placeholder.upper(), usage  # {RUN_DIR}, {SOURCE}, [OPTIONS]


def test_defaults_read_plainly_and_come_from_the_configuration(cli, monkeypatch):
    from emotrain.config import DataConfig, TrainingConfig

    monkeypatch.setenv("COLUMNS", "200")  # one row per option
    text = cli("train", "--help").out
    rows = {
        m.group(1).split()[0].split(",")[0]: line
        for line in text.splitlines()
        if (m := ROW.match(line))
    }
    assert f"[default: {TrainingConfig().epochs}]" in rows["--epochs"]
    assert f"[default: {TrainingConfig().learning_rate}]" in rows["--learning-rate"]
    assert f"[default: {DataConfig().samples}]" in rows["--samples"]
    assert "[default: auto]" in rows["--device"]
    assert "[default: trained_models]" in rows["--output"]


@pytest.mark.parametrize(
    ("command", "argument"),
    [("resume", "RUN_DIR"), ("export-rtneural", "SOURCE"), ("plot", "RUN_DIR"),
     ("compare", "A"), ("compare", "B"), ("registry add", "SOURCE"), ("registry show", "VERSION"),
     ("registry diff", "A"), ("registry verify", "DIR")],
)  # fmt: skip
def test_arguments_are_described_in_the_arguments_panel(cli, monkeypatch, command, argument):
    monkeypatch.setenv("COLUMNS", "100")
    text = cli(*command.split(), "--help").out
    rows = _panel(text, "Arguments")
    assert any(re.match(rf"^│ (\*\s+)?{re.escape(argument)}\s{{2,}}<\w+(\[\w+\])?>\s+\w", row)
               for row in rows), text  # fmt: skip
    assert "\\b" not in text and "Arguments:" not in text  # no hand-made paragraph any more


@pytest.mark.parametrize("command", COMMANDS)
def test_help_lines_fit_80_columns(cli, monkeypatch, command):
    monkeypatch.setenv("COLUMNS", "80")
    text = cli(*command.split(), "--help").out
    assert max(map(len, text.splitlines())) <= 80, text
