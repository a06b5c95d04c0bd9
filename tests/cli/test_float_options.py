"""Every float option of every command refuses nan and ±inf as a usage error, before any work."""

from __future__ import annotations

import typing

import pytest

from emotrain.cli import app

#: The smallest valid command line of each command (its required arguments), by command name.
REQUIRED = {
    "train": lambda tmp: ["-o", tmp / "run"],
    "resume": lambda tmp: [tmp],
    "evaluate": lambda tmp: ["--checkpoint-dir", tmp],
    "export-rtneural": lambda tmp: [tmp, "-o", tmp / "out"],
    "plot": lambda tmp: [tmp],
    "tune": lambda tmp: ["-m", "groove", "-o", tmp / "study"],
    "compare": lambda tmp: [tmp / "a.pt", tmp / "b.pt"],
    "preview": lambda tmp: [tmp / "song.wav", "--models", tmp, "-o", tmp / "out"],
}


def _float_options() -> list[tuple[str, str]]:
    found = []
    for info in app.registered_commands:
        hints = typing.get_type_hints(getattr(info.callback, "__wrapped__", info.callback))
        for name, hint in hints.items():
            if hint is float or float in typing.get_args(hint):
                found.append((info.name, "--" + name.replace("_", "-")))
    return found


FLOAT_OPTIONS = _float_options()


def test_the_table_covers_the_known_float_options():
    assert {
        ("train", "--learning-rate"),
        ("train", "--validation-split"),
        ("train", "--min-delta"),
        ("resume", "--validation-split"),
        ("resume", "--learning-rate"),
        ("export-rtneural", "--tolerance"),
    } <= set(FLOAT_OPTIONS)


@pytest.mark.parametrize("value", ["nan", "inf", "-Infinity"])
@pytest.mark.parametrize(("command", "flag"), FLOAT_OPTIONS)
def test_non_finite_floats_are_usage_errors(cli, tmp_path, command, flag, value):
    result = cli(command, *REQUIRED[command](tmp_path), flag, value)
    assert result.code == 2, result.err
    assert result.err_lines == [f"error: {flag}: must be a finite number, got {float(value)}"]
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing was written


@pytest.mark.parametrize("split", [float("nan"), float("inf"), 0.0, 1.0])
def test_a_bad_split_from_python_is_one_problem_not_a_crash(split):
    """Python callers bypass the CLI's check: the configuration itself must not crash on it."""
    from emotrain.config import DataConfig, RunConfig

    config = RunConfig(models=("groovepredictor",), data=DataConfig(validation_split=split))
    assert config.problems() == [
        f"--validation-split: must be a number strictly between 0 and 1, got {split}"
    ]


def test_a_zero_split_is_reported_once(cli, tmp_path):
    result = cli("train", "--validation-split", "0", "-o", tmp_path / "run")
    assert result.code == 2
    assert result.err.count("--validation-split") == 1, result.err
