"""Bad input: one line, the right exit status, and nothing written that should not be."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("bpm", ["0", "-60", "nan", "inf"])
def test_a_tempo_that_is_not_a_positive_finite_number_is_refused(cli, tmp_path, bpm) -> None:
    song = tmp_path / "song.wav"
    song.write_bytes(b"not read: the options are checked first")
    (tmp_path / "models").mkdir()
    result = cli("preview", song, "--models", tmp_path / "models", "--bpm", bpm,
                 "-o", tmp_path / "out")  # fmt: skip
    assert result.code == 2
    assert len(result.err_lines) == 1 and "--bpm" in result.err
    assert not (tmp_path / "out").exists()


def test_an_unreadable_song_is_skipped_and_the_others_still_run(trained, cli, tmp_path) -> None:
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    result = cli("preview", broken, trained.songs[1], "--models", trained.models,
                 "-o", tmp_path / "out")  # fmt: skip
    assert result.code == 1
    assert "skipped" in result.err and "broken.wav" in result.err and "decode" in result.err
    assert (tmp_path / "out" / "q1" / "summary.json").is_file()
    assert not (tmp_path / "out" / "broken").exists()
    assert "[2/2] q1.wav" in result.out


def test_an_earlier_preview_is_kept_unless_overwrite(trained, cli, tmp_path) -> None:
    args = [trained.songs[3], "--models", trained.models, "-o", tmp_path / "out"]
    assert cli("preview", *args).code == 0
    summary = tmp_path / "out" / "q3" / "summary.json"
    summary.write_text("{}")
    again = cli("preview", *args)
    assert again.code == 2 and "--overwrite" in again.err
    assert summary.read_text() == "{}"
    assert cli("preview", *args, "--overwrite").code == 0
    assert summary.read_text() != "{}"


def test_bad_decode_options_and_colliding_names_are_refused(cli, tmp_path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for folder in ("a", "b"):
        (tmp_path / folder / "song.wav").write_bytes(b"x")
    result = cli("preview", tmp_path / "a" / "song.wav", tmp_path / "b" / "song.wav",
                 "--models", tmp_path, "--decode", "greedy", "--min-prob", "1.5")  # fmt: skip
    assert result.code == 2
    for fragment in ("--decode", "--min-prob", "would both write"):
        assert fragment in result.err


def test_models_come_from_one_source(cli, tmp_path) -> None:
    song = tmp_path / "song.wav"
    song.write_bytes(b"x")
    both = cli("preview", song, "--models", tmp_path, "--registry", tmp_path / "reg")
    assert both.code == 2 and "not both" in both.err
    assert cli("preview", song).code == 2
    alias = cli("preview", song, "--models", tmp_path, "--alias", "shipped")
    assert alias.code == 2 and "--alias" in alias.err
