"""A short option means one thing in every command: `-c` is `--config` wherever it exists."""

from __future__ import annotations

import typer


def _short_options() -> dict[str, dict[str, list[str]]]:
    """short flag -> long name -> the commands that use it, walked through Typer's get_command."""
    from emotrain.cli import app

    found: dict[str, dict[str, list[str]]] = {}

    def walk(command, line: str) -> None:
        for sub_name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{line} {sub_name}".strip())
        for param in command.params:
            if param.param_type_name != "option":
                continue
            flags = [*param.opts, *param.secondary_opts]
            longs = [f for f in flags if f.startswith("--")]
            for short in (f for f in flags if not f.startswith("--")):
                found.setdefault(short, {}).setdefault(longs[0], []).append(line or "emotrain")

    walk(typer.main.get_command(app), "")
    return found


def test_each_short_option_stands_for_one_long_option_in_every_command():
    clashes = {short: longs for short, longs in _short_options().items() if len(longs) > 1}
    assert clashes == {}


def test_the_short_options_users_rely_on():
    shorts = {short: next(iter(longs)) for short, longs in _short_options().items()}
    assert shorts == {
        "-b": "--batch-size",
        "-c": "--config",
        "-e": "--epochs",
        "-m": "--model",
        "-n": "--trials",
        "-o": "--output",
        "-q": "--quiet",
        "-w": "--workers",
    }
    assert "evaluate" not in _short_options()["-c"]["--config"]  # was --checkpoint-dir there
