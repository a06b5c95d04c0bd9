"""load_corpus over small corpora in each real layout: shapes, labels, groups, reports, errors."""

from __future__ import annotations

import math
import shutil

import numpy as np
import pytest
import torch
from corpora import (
    DEAM_DYNAMIC_DIR,
    DEAM_IDS,
    EMOPIA_CLIPS,
    make_midi_folder,
    write_audio,
    write_csv,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from emotrain.config import DataConfig
from emotrain.data.audio import load_audio
from emotrain.data.base import DataReport
from emotrain.data.corpus import load_corpus, supported_models
from emotrain.data.deam import plan as deam_plan
from emotrain.data.midi import piano_roll
from emotrain.data.pmemo import plan as pmemo_plan
from emotrain.data.split import split_by_group
from emotrain.errors import ConfigError, DataError
from emotrain.models import MODEL_NAMES, get_spec
from emotrain.plugin.embedding import emotion_embedding
from emotrain.plugin.features import DEFAULT_PARAMS, log_mel

EMOTION, MELODY = get_spec("emotion"), get_spec("melody")
#: The start of a macOS AppleDouble file (magic, version, "Mac OS X" filler), as `._x` holds it.
APPLE_DOUBLE = b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        " + b"\x00" * 64


def load(path, model=EMOTION, fmt="auto", tmp=None, **kw):
    data = DataConfig(format=fmt, path=str(path), **kw)
    return load_corpus(model, data, 0, output_dir=tmp, progress=None)


@pytest.mark.parametrize(
    ("corpus", "fmt", "model", "songs"),
    [
        ("deam_corpus", "deam", EMOTION, set(DEAM_IDS)),
        ("pmemo_corpus", "pmemo", EMOTION, {"1", "4", "5", "6", "7"}),
        ("emopia_corpus", "emopia", MELODY, {c[3:14] for c in EMOPIA_CLIPS}),
        (
            "audio_folder",
            "folder",
            EMOTION,
            {"duet", "clips/take_2", "clips/take_3", "clips/take_4"},
        ),
        ("midi_folder", "folder", MELODY, {f"piece_{i}" for i in range(5)}),
    ],
)
def test_each_layout_is_detected_and_loaded(request, tmp_path, corpus, fmt, model, songs):
    root = request.getfixturevalue(corpus)
    data = load(root, model, "auto", tmp_path, seq_len=8)
    assert data.report.detected_format == fmt
    assert any(note.startswith(f"detected format: {fmt}") for note in data.report.notes)
    assert data.inputs.shape[1:] == (8, model.in_features)
    assert data.targets.shape[1:] == (8, model.out_features)
    assert data.inputs.dtype == data.targets.dtype == torch.float32
    assert set(data.groups) == songs and data.report.skipped == []
    assert data.report.items_used == len(songs)
    explicit = load(root, model, fmt, tmp_path, seq_len=8)
    assert explicit.fingerprint() == data.fingerprint()
    midi = ("melodytransformer", "dynamicsengine", "groovepredictor")
    want = midi if model.name == "melodytransformer" else (model.name,)
    assert supported_models(DataConfig(format="auto", path=str(root))) == want


def test_deam_dynamic_frames_get_the_labels_of_their_time(deam_corpus, tmp_path):
    data = load(deam_corpus, tmp=tmp_path, seq_len=16)
    first = data.groups.index("2")
    feats = log_mel(load_audio(deam_corpus / "MEMD_audio" / "2.mp3"))
    start = math.ceil(15.0 * DEFAULT_PARAMS.frame_rate)  # dynamic labels begin at 15 s
    np.testing.assert_array_equal(data.inputs[first].numpy(), feats[start : start + 16])
    # Valence of song "2" is -1.0 at 15 s and falls by 10% per 0.5 s step (see corpora.make_deam).
    t = (start + np.arange(16)) / DEFAULT_PARAMS.frame_rate
    valence = np.interp(t, [15.0, 15.5, 16.0, 16.5], [-1.0, -0.9, -0.8, -0.7])
    np.testing.assert_allclose(data.targets[first, :, 0].numpy(), valence, atol=1e-5)
    assert (data.targets[first, :, :32] == data.targets[first, :, :1]).all()
    # 17 s of audio, labels 15.0-16.5 s: 65 labelled frames -> 4 sequences of 16; song "3"'s row
    # ends early (empty cells) -> 44 labelled frames -> 2 sequences.
    assert data.groups.count("2") == 4 and data.groups.count("3") == 2
    assert "labels: 6 song(s) dynamic, 0 static" in data.report.notes


def test_deam_as_unzipped_is_found_one_level_down(deam_corpus, tmp_path):
    """DEAM's two archives unpack to DEAM_audio/MEMD_audio and DEAM_Annotations/annotations."""
    root = tmp_path / "DEAM"
    shutil.copytree(deam_corpus / "MEMD_audio", root / "DEAM_audio" / "MEMD_audio")
    shutil.copytree(deam_corpus / "annotations", root / "DEAM_Annotations" / "annotations")
    rater = root / "DEAM_Annotations/annotations/annotations per each rater/song_level"
    write_csv(rater / "static_annotations_averaged_songs_1_2000.csv", ["song_id"], [["2"]])
    data = load(root, tmp=tmp_path)
    assert "detected format: deam (DEAM_audio/MEMD_audio/ found)" in data.report.notes
    assert data.fingerprint() == load(deam_corpus, tmp=tmp_path).fingerprint()


def test_deam_static_mode_uses_the_whole_song(deam_corpus):
    report = DataReport("deam")
    items = deam_plan(deam_corpus, report, "static")
    song2 = next(i for i in items if i.song == "2")
    assert song2.label.kind == "static"
    # corpora.make_deam writes valence 4 * v + 5 on the 1-9 scale for v = -1.0
    assert song2.label.valence == pytest.approx(-1.0)


def test_pmemo_mixes_dynamic_and_static_songs(pmemo_corpus, tmp_path):
    data = load(pmemo_corpus, tmp=tmp_path, seq_len=16)
    assert "labels: 3 song(s) dynamic, 2 static" in data.report.notes
    # a static song covers all 173 frames of 4 s: 10 sequences; a dynamic one 0.5-3.5 s only
    assert data.groups.count("7") == 173 // 16
    assert data.groups.count("1") < data.groups.count("7")


def test_emopia_clips_of_one_song_share_a_group(emopia_corpus):
    data = load(emopia_corpus, MELODY, seq_len=16)
    first = data.groups.index("_kJtgm1OUNA")
    np.testing.assert_array_equal(
        data.inputs[first].numpy(), np.tile(emotion_embedding([0.5, 0.5]), (16, 1))
    )
    roll = piano_roll(emopia_corpus / "midis" / "Q1__kJtgm1OUNA_0.mid")
    np.testing.assert_array_equal(data.targets[first].numpy(), roll[:16])
    q3 = data.groups.index("c6CwY8Gbw0c")
    assert data.inputs[q3, 0, 0] == -0.5 and data.inputs[q3, 0, 40] == -0.5
    assert data.groups.count("_kJtgm1OUNA") == 2 * data.groups.count("c6CwY8Gbw0c")


def test_second_load_uses_the_cache(audio_folder, tmp_path):
    load(audio_folder, tmp=tmp_path)
    again = load(audio_folder, tmp=tmp_path)
    assert any("5 file(s) from the cache, 0 extracted" in n for n in again.report.notes)
    assert list((tmp_path / "cache" / "features").rglob("*.npy"))
    rebuilt = load(audio_folder, tmp=tmp_path, rebuild_cache=True)
    assert any("0 file(s) from the cache, 5 extracted" in n for n in rebuilt.report.notes)
    custom = load(audio_folder, tmp=tmp_path, cache_dir=str(tmp_path / "elsewhere"))
    assert list((tmp_path / "elsewhere").rglob("*.npy"))
    assert custom.fingerprint() == again.fingerprint() == rebuilt.fingerprint()


def test_problems_are_reported_never_labelled_and_strict_refuses(
    deam_corpus, copy_corpus, tmp_path
):
    root = copy_corpus(deam_corpus)
    write_audio(root / "MEMD_audio" / "999.mp3", 1, 17.0)  # no label anywhere
    (root / "MEMD_audio" / "45.mp3").write_bytes(b"this is not an mp3" * 50)  # unreadable
    write_audio(root / "MEMD_audio" / "10.wav", 2, 1.0)  # a second file for song 10
    data = load(root, tmp=tmp_path)
    skipped = {s.item: s.reason for s in data.report.skipped}
    assert set(skipped) == {"MEMD_audio/999.mp3", "MEMD_audio/45.mp3", "MEMD_audio/10.wav"}
    assert skipped["MEMD_audio/999.mp3"] == "no dynamic label; no static label"
    assert "cannot decode" in skipped["MEMD_audio/45.mp3"]
    assert "duplicate" in skipped["MEMD_audio/10.wav"]
    assert "999" not in data.groups and "45" not in data.groups
    # --strict fails on label problems before decoding anything, then on unreadable audio
    with pytest.raises(DataError, match=r"--strict: 2 item\(s\) .*999.mp3: no dynamic label"):
        load(root, tmp=tmp_path, strict=True)
    (root / "MEMD_audio" / "999.mp3").unlink()
    (root / "MEMD_audio" / "10.wav").unlink()
    with pytest.raises(DataError, match=r"--strict: 1 item\(s\) .*45.mp3: cannot decode"):
        load(root, tmp=tmp_path, strict=True)


def test_short_songs_and_broken_labels_are_reported(audio_folder, copy_corpus, tmp_path):
    root = copy_corpus(audio_folder)
    write_audio(root / "tiny.wav", 3, 0.1)
    write_audio(root / "unlisted.flac", 4, 1.0)
    with open(root / "labels.csv", "a", encoding="utf-8") as handle:
        handle.write("tiny.wav,0.5,0.5,\nghost.wav,0.1,0.1,\nclips/take_0.wav,0.9,0.1,\n")
    data = load(root, tmp=tmp_path, seq_len=16)
    skipped = {s.item: s.reason for s in data.report.skipped}
    assert "no 16 consecutive labelled frames" in skipped["tiny.wav"]
    assert skipped["unlisted.flac"] == "no row in labels.csv"
    assert skipped["ghost.wav"] == "listed in labels.csv but not found"
    assert "listed more than once" in skipped["clips/take_0.wav"]
    assert data.groups.count("duet") == load(audio_folder, tmp=tmp_path, seq_len=16).groups.count(
        "duet"
    )


def test_bad_label_value_is_reported(audio_folder, copy_corpus, tmp_path):
    root = copy_corpus(audio_folder)
    lines = (root / "labels.csv").read_text().splitlines()
    lines[3] = lines[3].replace(lines[3].split(",")[1], "n/a", 1)
    (root / "labels.csv").write_text("\n".join(lines) + "\n")
    data = load(root, tmp=tmp_path)
    assert [(s.item, s.reason) for s in data.report.skipped] == [
        ("clips/take_2.ogg", "valence 'n/a' is not a number in labels.csv")
    ]


def test_nothing_usable_and_empty_corpora_are_errors(deam_corpus, copy_corpus, tmp_path):
    root = copy_corpus(deam_corpus)
    for mp3 in (root / "MEMD_audio").iterdir():
        mp3.write_bytes(b"broken")
    with pytest.raises(DataError, match="nothing usable for emotionrecognizer"):
        load(root, tmp=tmp_path)
    shutil.rmtree(root / "MEMD_audio")
    (root / "MEMD_audio").mkdir()
    with pytest.raises(DataError, match="nothing usable"):
        load(root, tmp=tmp_path)
    empty = tmp_path / "emopia"
    (empty / "midis").mkdir(parents=True)
    with pytest.raises(DataError, match=r"no \.mid files"):
        load(empty, MELODY)


def test_path_and_format_mistakes_are_usage_errors(tmp_path, emopia_corpus, deam_corpus):
    with pytest.raises(ConfigError, match="--data: folder not found"):
        load(tmp_path / "nope")
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(ConfigError, match="--data: not a folder"):
        load(tmp_path / "file.txt")
    (tmp_path / "plain").mkdir()
    with pytest.raises(ConfigError, match="cannot tell the corpus format"):
        load(tmp_path / "plain")
    with pytest.raises(
        ConfigError,
        match="--model emotionrecognizer: this emopia corpus can train only melodytransformer",
    ):
        load(emopia_corpus, EMOTION)
    with pytest.raises(ConfigError, match="can train only emotionrecognizer"):
        load(deam_corpus, get_spec("groove"))
    with pytest.raises(DataError, match="no MEMD_audio"):
        load(emopia_corpus, EMOTION, fmt="deam")


def test_supported_models(tmp_path, audio_folder):
    assert supported_models(DataConfig()) == MODEL_NAMES
    mixed = tmp_path / "mixed"
    shutil.copytree(audio_folder, mixed)
    make_midi_folder(tmp_path / "m")
    shutil.copy(tmp_path / "m" / "piece_0.mid", mixed / "piece_0.mid")
    with open(mixed / "labels.csv", "a", encoding="utf-8") as handle:
        handle.write("piece_0.mid,0.5,0.5,\n")
    assert supported_models(DataConfig(format="folder", path=str(mixed))) == (
        "emotionrecognizer",
        "melodytransformer",
        "dynamicsengine",
        "groovepredictor",
    )
    with pytest.raises(ConfigError, match="folder not found"):
        supported_models(DataConfig(format="auto", path=str(tmp_path / "missing")))


def test_emopia_bad_names_and_label_conflicts(emopia_corpus, copy_corpus):
    root = copy_corpus(emopia_corpus)
    shutil.copy(root / "midis" / "Q1__kJtgm1OUNA_0.mid", root / "midis" / "song.mid")
    write_csv(
        root / "label.csv",
        ["ID", "4Q", "annotator"],
        [[c, "3" if c == "Q1_abcdefghijk_0" else c[1], "a"] for c in EMOPIA_CLIPS],
    )
    data = load(root, MELODY)
    skipped = {s.item: s.reason for s in data.report.skipped}
    assert "name is not Q<1-4>" in skipped["midis/song.mid"]
    assert skipped["midis/Q1_abcdefghijk_0.mid"] == "label.csv says Q3 but the file name says Q1"
    assert "abcdefghijk" not in data.groups


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31), fraction=st.floats(0.05, 0.95))
def test_split_never_puts_one_song_on_both_sides(emopia_groups, seed, fraction):
    split = split_by_group(emopia_groups, fraction, seed)
    assert not set(split.train_groups) & set(split.val_groups)
    train_songs = {emopia_groups[i] for i in split.train_index}
    val_songs = {emopia_groups[i] for i in split.val_index}
    assert not train_songs & val_songs
    assert len(split.train_index) + len(split.val_index) == len(emopia_groups)


@pytest.fixture(scope="module")
def emopia_groups(tmp_path_factory) -> list[str]:
    from corpora import make_emopia

    root = make_emopia(tmp_path_factory.mktemp("emopia_split"))
    return load(root, MELODY, seq_len=4).groups


def _break_dynamic_row(root, fmt):
    """Spoil one song's dynamic label, leave its static label alone; return (audio, reason)."""
    import csv

    if fmt == "deam":
        path = root / DEAM_DYNAMIC_DIR / "valence.csv"
        rows = list(csv.reader(path.open(newline="")))
        rows[2][2] = "x"  # song "3", sample_15500ms
        write_csv(path, rows[0], rows[1:])
        return "MEMD_audio/3.mp3", "'x' at sample_15500ms is not a number in valence.csv"
    path = root / "annotations" / "dynamic_annotations.csv"
    rows = list(csv.reader(path.open(newline="")))
    rows[1][2] = ""  # song "1", first row: arousal missing, valence present
    write_csv(path, rows[0], rows[1:])
    return "chorus/1.mp3", "Arousal(mean) is missing in dynamic_annotations.csv"


@pytest.mark.parametrize("fmt", ["deam", "pmemo"])
def test_broken_dynamic_label_is_reported_though_the_static_one_trains(
    request, copy_corpus, tmp_path, fmt
):
    root = copy_corpus(request.getfixturevalue(f"{fmt}_corpus"))
    audio, why = _break_dynamic_row(root, fmt)
    song = audio.split("/")[1].split(".")[0]
    data = load(root, tmp=tmp_path, seq_len=16)
    assert song in data.groups  # it still trains, on its static label ...
    assert [(s.item, s.reason) for s in data.report.skipped] == [
        (f"{audio} (dynamic label)", f"{why}; the song's static label is used instead")
    ]  # ... but the bad row is in the report
    assert any(n.startswith("labels: ") and "static" in n for n in data.report.notes)
    with pytest.raises(DataError, match=rf"--strict: 1 item\(s\) .*{audio} \(dynamic label\)"):
        load(root, tmp=tmp_path, strict=True)
    report = DataReport("deam")
    static_only = (deam_plan if fmt == "deam" else pmemo_plan)(root, report, "static")
    assert song in {i.song for i in static_only} and report.skipped == []  # not asked for
    dynamic_only = (deam_plan if fmt == "deam" else pmemo_plan)(root, report, "dynamic")
    assert song not in {i.song for i in dynamic_only}
    assert (audio, why) in [(s.item, s.reason) for s in report.skipped]


def test_hidden_and_appledouble_files_are_ignored_everywhere(request, copy_corpus, tmp_path):
    """macOS writes `._<name>` beside every file it copies to a non-Mac disk: never a song."""
    cases = [
        ("emopia_corpus", MELODY, "midis/._Q1__kJtgm1OUNA_0.mid"),
        ("midi_folder", MELODY, "._piece_0.mid"),
        ("audio_folder", EMOTION, "clips/._take_0.wav"),
        ("deam_corpus", EMOTION, "MEMD_audio/._2.mp3"),
        ("pmemo_corpus", EMOTION, "chorus/._1.mp3"),
    ]
    for fixture, model, hidden in cases:
        root = copy_corpus(request.getfixturevalue(fixture))
        (root / hidden).write_bytes(APPLE_DOUBLE)
        if fixture in ("deam_corpus", "pmemo_corpus"):
            # Listing only: libsndfile itself trips over `._x.mp3` when decoding x.mp3 (see
            # test_data_audio.py::test_an_appledouble_file_does_not_break_its_mp3).
            report = DataReport(fixture)
            items = (deam_plan if fixture == "deam_corpus" else pmemo_plan)(root, report)
            assert report.skipped == [] and all(not i.path.name.startswith(".") for i in items)
            continue
        data = load(root, model, tmp=tmp_path, seq_len=8, strict=True)
        assert data.report.skipped == [], fixture


def test_labels_csv_without_usable_rows_says_what_is_wrong(tmp_path, capsys):
    from emotrain.cli import main

    root = tmp_path / "songs"
    write_csv(root / "labels.csv", ["file", "valence", "arousal"], [])
    with pytest.raises(DataError, match=r"labels.csv has no rows \(only its header\)"):
        supported_models(DataConfig(format="auto", path=str(root)))
    with pytest.raises(DataError, match="has no rows"):
        load(root, tmp=tmp_path)
    code = main(["train", "--data", str(root), "-o", str(tmp_path / "run"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1 and "labels.csv has no rows" in err and "nothing" not in err
    assert err.count("\n") == 1
    write_csv(root / "labels.csv", ["file", "valence", "arousal"], [["notes.txt", "0", "0"]])
    with pytest.raises(DataError, match=r"lists no audio or MIDI file \(its files end in \.txt"):
        load(root, MELODY, tmp=tmp_path)


@pytest.mark.parametrize(
    ("manifest", "problem"),
    [
        (["a", "b"], "expected a JSON object with 'train' and 'val' lists of song ids, got list"),
        ({"train": ["a"], "val": 5}, "'val' must be a list of song ids, got int"),
        ({"train": "abc", "val": ["b"]}, "'train' must be a list of song ids, got str"),
        ({"train": ["a"]}, "it has no 'val' list of song ids"),
        ({"train": ["a", 3], "val": ["b"]}, "'train' must hold song ids (strings), not int values"),
    ],
)
def test_malformed_split_manifest_is_one_clear_error(manifest, problem):
    from emotrain.data.split import split_from_manifest

    with pytest.raises(DataError) as caught:
        split_from_manifest(["a", "b", "c"], manifest, source="split manifest s.json")
    assert str(caught.value) == f"split manifest s.json is corrupt: {problem}"
    good = split_from_manifest(["a", "b", "a"], {"train": ["a"], "val": ["b"]})
    assert good.train_index == (0, 2) and good.val_index == (1,)
