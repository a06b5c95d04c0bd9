"""Issue 24: preview says which networks it did not run and why, says an undecodable file in one
clean line on stderr, words its source error for the case at hand, and draws a one-frame song."""

from __future__ import annotations

import json
import shutil

import numpy as np

OTHERS = ("melodytransformer", "harmonypredictor", "dynamicsengine", "groovepredictor")


def test_without_a_recognizer_the_networks_it_feeds_are_named_as_not_run(trained, cli, tmp_path):
    folder = tmp_path / "no-recognizer"
    folder.mkdir()
    for name in OTHERS:
        shutil.copy(trained.models / f"{name}.json", folder)
    result = cli("preview", trained.songs[1], "--models", folder, "-o", tmp_path / "out")
    assert result.code == 0, result.err
    (line,) = [ln for ln in result.err_lines if "not run" in ln]
    for name in OTHERS:
        assert f"{name}.json" in line
    assert "emotion recognizer" in line
    summary = json.loads((tmp_path / "out" / "q1" / "summary.json").read_text())
    for name in OTHERS:
        net = summary["models"]["networks"][name]
        assert net["status"] == "not_run" and "emotion recognizer" in net["problem"], net
        assert any(note.startswith(f"{name}: {name}.json not run") for note in summary["notes"])


def test_an_undecodable_file_is_one_clean_line_on_stderr(trained, cli, tmp_path):
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF0000garbage" * 10)
    result = cli("preview", broken, trained.songs[2], "--models", trained.models,
                 "-o", tmp_path / "out")  # fmt: skip
    assert result.code == 1
    assert "broken" not in result.out  # stdout: the songs previewed
    lines = [ln for ln in result.err_lines if "broken.wav" in ln]
    assert len(lines) == 1, result.err
    assert lines[0].startswith("skipped ") and "cannot decode audio" in lines[0]
    for python in ("<_io", "BufferedReader", "Error opening", "name="):
        assert python not in result.err + result.out


def test_the_source_error_says_which_mistake_was_made(cli, tmp_path):
    song = tmp_path / "song.wav"
    song.write_bytes(b"x")
    neither = cli("preview", song)
    assert neither.code == 2 and "not both" not in neither.err
    assert "--models DIR" in neither.err and "--registry DIR" in neither.err
    both = cli("preview", song, "--models", tmp_path, "--registry", tmp_path / "reg")
    assert both.code == 2 and "--models and --registry: give one of them, not both" in both.err


def test_a_one_frame_song_draws_visible_markers():
    from emotrain.preview.plots import emotion_figure

    fig = emotion_figure(np.zeros(1), np.array([0.4]), np.array([-0.3]), np.array([4]), "one")
    lines = [ln for ln in fig.axes[0].get_lines() if ln.get_label() in ("valence", "arousal")]
    assert len(lines) == 2
    for line in lines:  # a curve through one point draws nothing; a whole marker does
        assert line.get_marker() not in (None, "", "None", " ") and line.get_markersize() >= 5
        assert not line.get_clip_on()


def test_libsndfile_reasons_lose_the_python_repr():
    from emotrain.data.audio import _reason

    class LibsndfileError(RuntimeError):
        error_string = "Format not recognised."

    exc = LibsndfileError(1, "Error opening <_io.BufferedReader name='/x/broken.wav'>: ")
    assert _reason(exc) == "Format not recognised"
    plain = RuntimeError("Error opening <_io.BufferedReader name='/x/b.wav'>: bad header")
    assert _reason(plain) == "bad header"
