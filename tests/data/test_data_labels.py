"""Label tables of each corpus, their scales, and per-frame targets."""

from __future__ import annotations

import numpy as np
import pytest
from corpora import DEAM_DYNAMIC_DIR, DEAM_STATIC_DIR, write_csv
from hypothesis import given
from hypothesis import strategies as st

from emotrain.data.labels import (
    DynamicLabel,
    StaticLabel,
    frame_labels,
    natural_key,
    read_deam_dynamic,
    read_folder_labels,
    read_pmemo_dynamic,
    read_static,
    song_id,
)
from emotrain.errors import DataError
from emotrain.plugin.embedding import emotion_embedding


def test_deam_static_spaced_headers_and_scale(tmp_path):
    path = write_csv(
        tmp_path / "static_annotations_averaged_songs_1_2000.csv",
        ["song_id", " valence_mean", " valence_std", " arousal_mean", " arousal_std"],
        [
            ["2", " 9", "1", " 1", "1"],
            ["3.0", "5", "1", "7", "1"],
            ["4", "abc", "1", "5", "1"],
            ["5", "", "1", "5", "1"],
            ["6", "10", "1", "5", "1"],
        ],
    )
    labels, problems = read_static([path], "song_id", "valence_mean", "arousal_mean", 1.0, 9.0)
    assert labels == {"2": StaticLabel(1.0, -1.0), "3": StaticLabel(0.0, 0.5)}
    assert "not a number" in problems["4"]
    assert "missing" in problems["5"]
    assert "outside 1..9" in problems["6"]


def test_missing_column_is_one_clear_error(tmp_path):
    path = write_csv(tmp_path / "s.csv", ["song_id", "valence"], [["1", "5"]])
    with pytest.raises(DataError, match="no 'valence_mean' column"):
        read_static([path], "song_id", "valence_mean", "arousal_mean", 1.0, 9.0)


def test_deam_dynamic_empty_tails_and_bad_cells(tmp_path):
    cols = ["song_id", "sample_15000ms", "sample_15500ms", "sample_16000ms"]
    folder = tmp_path / DEAM_DYNAMIC_DIR
    v = write_csv(
        folder / "valence.csv",
        cols,
        [
            ["1", "0.1", "0.2", "0.3"],
            ["2", "0.5", "", ""],
            ["3", "0.1", "x", "0.2"],
            ["4", "", "", ""],
        ],
    )
    a = write_csv(
        folder / "arousal.csv",
        cols,
        [
            ["1", "-0.1", "-0.2", "1.7"],
            ["2", "0.4", "0.4", ""],
            ["3", "0.1", "0.1", "0.1"],
            ["4", "", "", ""],
        ],
    )
    labels, problems = read_deam_dynamic(v, a)
    np.testing.assert_allclose(labels["1"].times, [15.0, 15.5, 16.0])
    np.testing.assert_allclose(labels["1"].arousal, [-0.1, -0.2, 1.0])  # clamped to [-1, 1]
    np.testing.assert_allclose(labels["2"].times, [15.0])  # only times with both dimensions
    assert "'x' at sample_15500ms is not a number" in problems["3"]
    assert "empty" in problems["4"]
    assert DEAM_STATIC_DIR  # the layout constant the corpus builder uses


def test_pmemo_scales_and_dynamic_long_table(tmp_path):
    static = write_csv(
        tmp_path / "static.csv",
        ["musicId", "Arousal(mean)", "Valence(mean)"],
        [["1", "1.0", "0.25"], ["2", "0.5", "-3"]],
    )
    labels, problems = read_static([static], "musicId", "Valence(mean)", "Arousal(mean)", 0.0, 1.0)
    assert labels == {"1": StaticLabel(-0.5, 1.0)}
    assert "outside 0..1" in problems["2"]
    dyn = write_csv(
        tmp_path / "dyn.csv",
        ["musicId", "frameTime", "Arousal(mean)", "Valence(mean)"],
        [["1", "1.0", "0.5", "1"], ["1", "0.5", "0", "0"], ["2", "0.5", "?", "0.5"]],
    )
    labels, problems = read_pmemo_dynamic(dyn)
    np.testing.assert_allclose(labels["1"].times, [0.5, 1.0])
    np.testing.assert_allclose(labels["1"].valence, [-1.0, 1.0])
    assert "2" in problems and "2" not in labels


def test_folder_labels_song_column_and_problems(tmp_path):
    path = write_csv(
        tmp_path / "labels.csv",
        ["file", "valence", "arousal", "song"],
        [
            ["a.wav", "0.5", "-0.5", "s1"],
            ["b.wav", "0.1", "0.2", ""],
            ["c.wav", "", "0.2", ""],
            ["d.wav", "3", "0", ""],
        ],
    )
    rows = read_folder_labels(path)
    good = [(r.file, r.song, r.valence, r.arousal) for r in rows if not r.problem]
    assert good == [("a.wav", "s1", 0.5, -0.5), ("b.wav", "b", 0.1, 0.2)]
    problems = {r.file: r.problem for r in rows if r.problem}
    assert problems == {
        "c.wav": "valence is missing in labels.csv",
        "d.wav": "valence 3 is outside -1..1 in labels.csv",
    }


def test_static_label_covers_every_frame():
    mask, va = frame_labels(StaticLabel(0.25, -0.75), 10, 43.0)
    assert mask.all()
    np.testing.assert_allclose(va, np.tile([0.25, -0.75], (10, 1)))


def test_dynamic_label_covers_only_its_time():
    label = DynamicLabel(
        np.array([1.0, 1.5, 2.0, 4.0, 4.5]), np.array([0, 1, 0, 0, 0.5]), np.zeros(5)
    )
    fr = 10.0  # frames per second
    mask, va = frame_labels(label, 60, fr)
    t = np.arange(60) / fr
    assert not mask[t < 1.0].any() and not mask[t > 4.5].any()
    assert not mask[(t > 2.0) & (t < 4.0)].any()  # a 2 s gap in 0.5 s annotations: no values
    assert mask[(t >= 1.0) & (t <= 2.0)].all()
    assert va[12, 0] == pytest.approx(0.4)  # t = 1.2 s: linear between 0 at 1.0 s and 1 at 1.5 s


@given(st.floats(-1, 1), st.floats(-1, 1))
def test_embedding_is_valence_then_arousal(v, a):
    emb = emotion_embedding(np.array([v, a]))
    assert emb.shape == (64,) and emb.dtype == np.float32
    assert np.all(emb[:32] == np.float32(v)) and np.all(emb[32:] == np.float32(a))


def test_ids_and_natural_order():
    assert song_id(" 12.0 ") == "12" and song_id("_kJtgm1OUNA") == "_kJtgm1OUNA"
    assert sorted(["10", "2", "b", "1001"], key=natural_key) == ["2", "10", "1001", "b"]


@pytest.mark.parametrize("sep", [";", "\t"])
def test_semicolon_and_tab_labels_are_read_like_commas(tmp_path, sep):
    """Excel's CSV export in many locales: `file;valence;arousal` with decimal commas."""
    comma = sep == ";"
    rows = [["file", "valence", "arousal"], ["a.wav", "0,5" if comma else "0.5", "-0.25"]]
    rows.append(["b.wav", "0.1", "0,2" if comma else "0.2"])
    path = tmp_path / "labels.csv"
    path.write_text("\n".join(sep.join(r) for r in rows) + "\n", encoding="utf-8")
    got = [(r.file, r.valence, r.arousal) for r in read_folder_labels(path) if not r.problem]
    assert got == [("a.wav", 0.5, -0.25), ("b.wav", 0.1, 0.2)]


def test_a_comma_table_keeps_its_quoted_cells(tmp_path):
    path = write_csv(tmp_path / "labels.csv", ["file", "valence", "arousal"],
                     [["a;b.wav", "0.5", "0.5"]])  # fmt: skip
    assert [r.file for r in read_folder_labels(path)] == ["a;b.wav"]
