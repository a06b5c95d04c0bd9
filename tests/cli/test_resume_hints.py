"""`resume` on a folder it cannot resume says which command works, in RUN_DIR's words."""

from __future__ import annotations

import json
import shlex
from dataclasses import replace

import pytest

from emotrain.config import DataConfig, RunConfig, TrainingConfig
from emotrain.configfile import write_run_config_toml
from emotrain.runs.paths import RunPaths
from emotrain.training.resume_plan import train_command

#: A configuration whose run takes a second or two, with values that differ from the defaults.
TINY_CONFIG = RunConfig(
    models=("groovepredictor",),
    data=DataConfig(samples=24, seq_len=4),
    training=TrainingConfig(epochs=1, batch_size=8, device="cpu", seed=7),
)


def _hint(err: str) -> str:
    assert err.count("`") == 2, err
    return err.split("`")[1]


def test_an_empty_folder_names_the_train_command_that_starts_it(cli, tmp_path):
    run = tmp_path / "killed early"
    run.mkdir()
    result = cli("resume", run)
    assert result.code == 1
    assert len(result.err_lines) == 1, result.err
    assert "nothing to resume" in result.err
    assert _hint(result.err) == f"emotrain train --output {shlex.quote(str(run))}"
    assert sorted(run.iterdir()) == []


def test_the_hint_from_a_run_config_toml_starts_the_run(cli, tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    paths = RunPaths(run)
    write_run_config_toml(paths.run_config_toml, TINY_CONFIG)
    paths.run_config.write_text("{ truncated", encoding="utf-8")  # killed while writing it
    result = cli("resume", run)
    assert result.code == 1
    hint = _hint(result.err_lines[-1])
    assert hint.startswith("emotrain train --config ")
    words = shlex.split(hint)
    paths.run_config.unlink()
    assert cli(*words[1:], "--quiet").code == 0  # the hint is a command that works
    assert (run / "groovepredictor.json").is_file()


def test_the_hint_rebuilt_from_a_recorded_configuration_reproduces_it(cli, tmp_path):
    run = tmp_path / "run two"
    hint = train_command(RunPaths(run), TINY_CONFIG)
    assert hint == (
        "emotrain train --model groovepredictor --samples 24 --seq-len 4 --epochs 1 "
        f"--batch-size 8 --seed 7 --device cpu --output {shlex.quote(str(run))}"
    )
    assert cli(*shlex.split(hint)[1:], "--quiet").code == 0
    recorded = RunConfig.from_dict(json.loads((run / "run_config.json").read_text("utf-8")))
    assert recorded.data.kind == "synthetic"  # recorded as "auto" without --data: the same data
    assert replace(recorded.data, format="synthetic") == TINY_CONFIG.data
    assert recorded.training == TINY_CONFIG.training


@pytest.mark.parametrize("kind", ["file", "missing"])
def test_a_bad_run_dir_is_named_as_the_help_names_it(cli, tmp_path, kind):
    target = tmp_path / "x"
    if kind == "file":
        target.write_text("", encoding="utf-8")
    result = cli("resume", target)
    assert result.code == 2
    assert result.err_lines == [f"error: RUN_DIR: {target} is not a folder holding an emotrain run"]


def test_a_folder_of_songs_is_not_a_run_and_gets_no_train_hint(cli, tmp_path):
    """`resume songs` must not suggest `train --output songs`, which would train into them."""
    from tests.data.corpora import write_audio

    songs = tmp_path / "songs"
    for i in range(4):
        write_audio(songs / f"song{i}.wav", i, seconds=0.5)
    before = sorted(p.name for p in songs.iterdir())
    result = cli("resume", songs)
    assert result.code == 2, result.err
    assert len(result.err_lines) == 1, result.err
    assert "is not an emotrain run folder" in result.err and "song0.wav" in result.err
    assert "and 1 more" in result.err and "train --output" in result.err
    assert f"--output {songs}" not in result.err and "emotrain train --output " not in result.err
    assert sorted(p.name for p in songs.iterdir()) == before
