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
    "registry show",
    "registry history",
    "preview",
]
#: A row of an options panel: "│ [*] --long[, --long][, -s]  [PLACEHOLDER]  help... │".
ROW = re.compile(r"^│ (?:\*\s+)?\s*(--[a-z][-a-z]*(?:, --?[a-z][-a-z]*)*)\s{2,}(\S+)")
PYTHON_TYPES = re.compile(r"<(bool|int|float|str|path|list\[\w+\]|choice)>")


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


def _command(line: str):
    from emotrain.cli import app

    command = typer.main.get_command(app)
    for word in line.split():
        command = command.commands[word]
    return command


def _panels(text: str) -> list[str]:
    lines, inside = [], False
    for line in text.splitlines():
        if line.startswith("╭─ "):
            inside = True
        elif line.startswith("╰"):
            inside = False
        elif inside:
            lines.append(line)
    return lines


@pytest.mark.parametrize("command", COMMANDS)
def test_options_panel_shows_placeholders_not_python_types(cli, monkeypatch, command):
    monkeypatch.setenv("COLUMNS", "100")
    result = cli(*command.split(), "--help")
    assert result.code == 0, result.err
    rows = {m.group(1).split(",")[0]: m.group(2) for ln in _panels(result.out)
            if (m := ROW.match(ln))}  # fmt: skip
    assert rows, result.out
    for param in _command(command).params:
        if param.param_type_name != "option" or not param.opts[0].startswith("--"):
            continue
        name = next(o for o in param.opts if o.startswith("--"))
        if not param.is_flag:  # the placeholder right after the names; none for a flag
            assert rows[name] == param.metavar, (name, rows[name])
        else:
            assert not re.fullmatch(r"[A-Z][A-Z_]*", rows[name]), (name, rows[name])
    assert not PYTHON_TYPES.search(result.out), result.out
    assert "[default: (" not in result.out, result.out  # Typer's form for a text default
    usage = next(line for line in result.out.splitlines() if "Usage:" in line)
    assert "{" not in usage and "}" not in usage, usage  # RUN_DIR, not {RUN_DIR}
    for placeholder in re.findall(r"\[([^\]]+)\]", usage):
        assert placeholder == placeholder.upper(), usage  # [OPTIONS]


def test_defaults_read_plainly_and_come_from_the_configuration(cli, monkeypatch):
    from emotrain.config import DataConfig, TrainingConfig

    monkeypatch.setenv("COLUMNS", "200")  # one row per option
    text = cli("train", "--help").out
    rows = {m.group(1).split(",")[0]: line for line in text.splitlines() if (m := ROW.match(line))}
    assert f"[default: {TrainingConfig().epochs}]" in rows["--epochs"]
    assert f"[default: {TrainingConfig().learning_rate}]" in rows["--learning-rate"]
    assert f"[default: {DataConfig().samples}]" in rows["--samples"]
    assert "[default: auto]" in rows["--device"]
    assert "[default: trained_models]" in rows["--output"]


@pytest.mark.parametrize(
    ("command", "argument"),
    [("resume", "RUN_DIR"), ("export-rtneural", "SOURCE"), ("plot", "RUN_DIR"),
     ("compare", "A"), ("compare", "B"), ("registry add", "SOURCE"), ("registry show", "VERSION"),
     ("registry diff", "A"), ("registry verify", "DIR"), ("preview", "AUDIO")],
)  # fmt: skip
def test_arguments_are_described_in_the_arguments_panel(cli, monkeypatch, command, argument):
    monkeypatch.setenv("COLUMNS", "100")
    text = cli(*command.split(), "--help").out
    rows = _panel(text, "Arguments")
    # the name, then its help: no Python type (<path>, <str>) beside it
    assert any(re.match(rf"^│ (\*\s+)?{re.escape(argument)}\s{{2,}}[^<\s]", row)
               for row in rows), text  # fmt: skip
    assert not PYTHON_TYPES.search(text), text
    assert "\\b" not in text and "Arguments:" not in text  # no hand-made paragraph any more


@pytest.mark.parametrize("command", COMMANDS)
def test_help_lines_fit_80_columns(cli, monkeypatch, command):
    monkeypatch.setenv("COLUMNS", "80")
    text = cli(*command.split(), "--help").out
    assert max(map(len, text.splitlines())) <= 80, text


@pytest.mark.parametrize("command", COMMANDS)
def test_help_at_80_columns_cuts_no_option_name_default_or_word(cli, monkeypatch, command):
    """Issue 24: `--early-stopping-pa…`, `(sqlite:///mlflow.d…`: nothing is cut at 80 columns."""
    monkeypatch.setenv("COLUMNS", "80")
    text = cli(*command.split(), "--help").out
    assert "…" not in text, text
    names = [n for ln in _panels(text) if (m := ROW.match(ln)) for n in m.group(1).split(", ")]
    for param in _command(command).params:
        if param.param_type_name == "option" and not param.hidden:
            for opt in param.opts:
                assert opt in names, (opt, text)  # whole, with `, ` between a long and an alias
    flat = " ".join(ln.strip("│ ") for ln in _panels(text))
    for default in re.findall(r"\[default: ([^\]]+)\]", flat):
        assert default.strip() and "…" not in default


def test_train_help_reads_in_panels_and_lists_debug(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    text = cli("train", "--help").out
    titles = re.findall(r"^╭─ (\w+) ", text, flags=re.M)
    assert titles == ["Options", "Training", "Data", "Output", "Trackers"], titles
    assert "--learning-rate, --lr" in text
    assert re.search(r"^│ --debug\s", text, flags=re.M)  # train.md documents it
    assert len(text.splitlines()) < 110  # was 153 lines with a 20-character help column


def test_help_says_what_each_command_does(cli, monkeypatch):
    """Help that disagreed with the command (issue 24)."""
    monkeypatch.setenv("COLUMNS", "200")
    tune = cli("tune", "--help").out
    assert re.search(r"^│ \*\s+--model, -m\s", tune, flags=re.M)  # required, and marked
    assert "--validation-split" not in tune  # tune has no such option
    for command in ("train", "tune"):
        assert "recorded" not in cli(command, "--help").out  # that is resume's default
    assert "Default: the run's recorded ones." in cli("resume", "--help").out
    evaluate = cli("evaluate", "--help").out
    assert "Default: the run's own cache for its data; with --data, <output>/cache/features." in (
        evaluate
    )
    preview = cli("preview", "--help").out
    assert "Default: shipped." in preview and "(shipped)" not in preview


def test_tune_without_model_is_a_usage_error(cli, tmp_path):
    r = cli("tune", "--output", tmp_path / "s")
    assert r.code == 2 and "--model" in r.err and "Traceback" not in r.err
