"""`train --config FILE.toml`: precedence (command line > file > defaults), refusals, and the
`run_config.toml` every run writes reproducing that run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emotrain.cli.train import resolve_train_config
from emotrain.config import DataConfig, TrainingConfig
from emotrain.configfile import parse_config_text
from tests.conftest import TINY

#: option -> (section, strategy of valid values)
OPTIONS = {
    "epochs": ("training", st.integers(1, 500)),
    "batch_size": ("training", st.integers(1, 512)),
    "learning_rate": ("training", st.floats(1e-6, 1.0)),
    "seed": ("training", st.integers(0, 2**32 - 1)),
    "weight_decay": ("training", st.floats(0.0, 1.0)),
    "grad_clip_norm": ("training", st.floats(0.01, 100.0)),
    "lr_factor": ("training", st.floats(0.01, 0.99)),
    "lr_patience": ("training", st.integers(1, 50)),
    "samples": ("data", st.integers(2, 10_000)),
    "seq_len": ("data", st.integers(1, 4096)),
    "validation_split": ("data", st.floats(0.05, 0.95)),
}
NONE = dict.fromkeys(
    ["epochs", "batch_size", "learning_rate", "validation_split", "min_delta",
     "early_stopping_patience", "weight_decay", "grad_clip_norm", "lr_factor", "lr_patience",
     "seq_len", "samples", "seed", "device", "output", "data", "data_format", "cache_dir",
     "rebuild_cache", "strict"]
)  # fmt: skip


def _toml(values: dict[str, object]) -> str:
    lines = {"data": [], "training": []}
    for key, value in values.items():
        lines[OPTIONS[key][0]].append(f"{key} = {value!r}")
    return "".join(f"[{s}]\n" + "\n".join(v) + "\n" for s, v in lines.items())


@settings(max_examples=60, deadline=None)
@given(
    file_values=st.fixed_dictionaries({}, optional={k: s for k, (_, s) in OPTIONS.items()}),
    cli_values=st.fixed_dictionaries({}, optional={k: s for k, (_, s) in OPTIONS.items()}),
)
def test_command_line_wins_over_file_over_defaults(tmp_path_factory, file_values, cli_values):
    path = tmp_path_factory.mktemp("cfg") / "c.toml"
    path.write_text(_toml(file_values), encoding="utf-8")
    config = resolve_train_config({**NONE, **cli_values}, model=["groove"], config_file=path)
    defaults = {"data": DataConfig(), "training": TrainingConfig()}
    for key, (section, _) in OPTIONS.items():
        want = cli_values.get(key, file_values.get(key, getattr(defaults[section], key)))
        got = getattr(getattr(config, section), key)
        assert got == want, key


def test_written_toml_reads_back_to_the_same_configuration(tiny_run):
    from dataclasses import replace

    from emotrain.config import RunConfig, merge_run_config

    recorded = RunConfig.from_dict(json.loads((tiny_run / "run_config.json").read_text()))
    again = parse_config_text((tiny_run / "run_config.toml").read_text(), "run_config.toml")
    read = merge_run_config({}, again, models=tuple(again["models"]))
    assert read == replace(recorded, output=read.output)


def test_run_config_toml_reproduces_the_run_bit_for_bit(cli, tmp_path):
    first = tmp_path / "first"
    opts = ["--weight-decay", "0.01", "--grad-clip-norm", "0.5", "--lr-factor", "0.3"]
    assert cli("train", "--model", "groove", "--epochs", "3", "-o", first, *TINY, *opts).code == 0
    again = tmp_path / "again"
    result = cli("train", "--config", first / "run_config.toml", "-o", again, "--quiet")
    assert result.code == 0, result.err
    h = [
        json.loads((d / "history/groovepredictor_history.json").read_text()) for d in (first, again)
    ]
    assert [r["val_loss"] for r in h[0]["epochs"]] == [r["val_loss"] for r in h[1]["epochs"]]
    # the new options take effect: the default recipe trains to other numbers
    plain = tmp_path / "plain"
    assert cli("train", "--config", first / "run_config.toml", "-o", plain, "--quiet",
               "--weight-decay", "0", "--grad-clip-norm", "1", "--lr-factor", "0.5").code == 0  # fmt: skip
    h2 = json.loads((plain / "history/groovepredictor_history.json").read_text())
    assert [r["val_loss"] for r in h2["epochs"]] != [r["val_loss"] for r in h[0]["epochs"]]


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("epochs = 3\n", "epochs belongs in the [training] table"),
        ("[training]\nepoch = 3\n", "[training] epoch: unknown key"),
        ("[training]\nepochs = '3'\n", "[training] epochs: must be an integer"),
        ("[training]\nepochs = true\n", "[training] epochs: must be an integer"),
        ("[training]\nlearning_rate = 'fast'\n", "learning_rate: must be a number"),
        ("[data]\nstrict = 1\n", "[data] strict: must be true or false"),
        ("[training\n", "is not valid TOML"),
        ("colour = 'red'\n", "colour: unknown key"),
        ("training = 3\n", "[training] must be a table"),
        ("[training]\nlr_factor = 1.5\n", "--lr-factor"),
    ],
)
def test_bad_files_are_refused_in_one_line(cli, tmp_path, text, needle):
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "run"
    result = cli("train", "--config", path, "-o", out, *TINY)
    assert result.code == 2, result.err
    assert len(result.err_lines) == 1 and needle in result.err
    assert not out.exists()


def test_missing_config_file_is_refused(cli, tmp_path):
    result = cli("train", "--config", tmp_path / "nope.toml", "-o", tmp_path / "run")
    assert result.code == 2 and "does not exist" in result.err


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--weight-decay", "-1"),
        ("--grad-clip-norm", "0"),
        ("--lr-factor", "1"),
        ("--lr-patience", "0"),
    ],
)
def test_new_training_options_are_validated(cli, tmp_path, option, value):
    result = cli("train", "--model", "groove", "-o", tmp_path / "r", *TINY, option, value)
    assert result.code == 2 and option in result.err and len(result.err_lines) == 1


def test_relative_data_path_in_a_file_is_taken_from_the_files_folder(tmp_path):
    (tmp_path / "sub").mkdir()
    path = tmp_path / "sub" / "c.toml"
    path.write_text("[data]\npath = 'corpus'\nformat = 'folder'\n", encoding="utf-8")
    config = resolve_train_config(dict(NONE), model=["groove"], config_file=path)
    assert Path(config.data.path) == (tmp_path / "sub" / "corpus").resolve()
    assert config.data.format == "folder"


def test_flags_given_on_the_command_line_win_over_the_file_both_ways(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[data]\nstrict = true\n", encoding="utf-8")
    on = resolve_train_config(dict(NONE), model=["groove"], config_file=path)
    off = resolve_train_config({**NONE, "strict": False}, model=["groove"], config_file=path)
    assert on.data.strict is True and off.data.strict is False


@pytest.fixture
def parsed(cli, monkeypatch):
    """`emotrain train ARGS` parsed as the command line does, the run itself replaced."""
    import emotrain.cli.run_ui

    seen = []
    monkeypatch.setattr(
        emotrain.cli.run_ui, "run_training", lambda config, **_: seen.append(config)
    )

    def run(*args):
        seen.clear()
        result = cli("train", *args)
        assert result.code == 0, result.err
        return seen[0]

    return run


def test_a_typed_value_wins_over_the_file_even_when_it_is_the_default(parsed, tmp_path):
    """Defaults are the parameters' own (so --help shows `[default: 40]`): what tells a typed
    `--epochs 40` from none is where the value came from, not whether it is None."""
    path = tmp_path / "c.toml"
    file = {"epochs": 3, "batch_size": 5, "learning_rate": 0.25, "seed": 7, "samples": 99,
            "seq_len": 9, "validation_split": 0.5, "lr_patience": 4}  # fmt: skip
    path.write_text(_toml(file), encoding="utf-8")
    defaults = {"data": DataConfig(), "training": TrainingConfig()}
    from_file = parsed("--config", path)
    typed = []
    for key in file:
        section = OPTIONS[key][0]
        assert getattr(getattr(from_file, section), key) == file[key], key
        default = getattr(defaults[section], key)
        if default is not None:
            typed += [f"--{key.replace('_', '-')}", str(default)]
    from_cli = parsed("--config", path, *typed)
    for key in file:
        section = OPTIONS[key][0]
        want = getattr(defaults[section], key)
        want = file[key] if want is None else want
        assert getattr(getattr(from_cli, section), key) == want, key
