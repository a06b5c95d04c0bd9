"""Chord corpora (audio + .lab / JAMS): detection, targets, the emotion input and every bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emotrain.config import DataConfig
from emotrain.data.chord_files import ChordFileError, read_lab
from emotrain.plugin.chords import CLASS_NAMES, EXCLUDED, chord_class
from emotrain.plugin.timing import HOP, SAMPLE_RATE
from tests.data.chord_corpora import make_chord_corpus, write_jams

TRAIN = ["train", "-m", "harmony", "--epochs", "1", "--seq-len", "4", "--batch-size", "8"]
TRAIN += ["--device", "cpu", "--quiet"]


@pytest.fixture
def corpus(tmp_path) -> Path:
    return make_chord_corpus(tmp_path / "chords", songs=3, chords_per_song=2, seconds=0.5)


def _lines(result) -> list[str]:
    return result.err_lines


def test_detected_as_chords_and_what_it_can_train(corpus):
    from emotrain.data.corpus import resolve, supported_models

    cfg = DataConfig(format="auto", path=str(corpus))
    assert resolve(cfg)[1].format == "chords"
    assert supported_models(cfg) == ("emotionrecognizer", "harmonypredictor")
    (corpus / "labels.csv").unlink()
    assert supported_models(cfg) == ("harmonypredictor",)


def test_each_frame_is_the_chord_sounding_at_its_centre(corpus):
    from emotrain.data.sources import load_data
    from emotrain.models.catalog import get_spec

    data = load_data(get_spec("harmony"), DataConfig(format="chords", path=str(corpus), seq_len=1),
                     0, output_dir=corpus.parent / "out")  # fmt: skip
    lab = (corpus / "song0.lab").read_text().split()
    first, second = chord_class(lab[2]), chord_class(lab[5])
    rows = [i for i, g in enumerate(data.groups) if g == "song0"]
    classes = data.targets[rows, 0].argmax(-1).numpy()
    times = np.arange(len(rows)) * HOP / SAMPLE_RATE
    want = np.where(times < 0.5, first, second)
    assert np.array_equal(classes, want)
    # the input is the chain's: the label's embedding, then the first 64 bands
    va = np.loadtxt(corpus / "labels.csv", delimiter=",", skiprows=1, usecols=(1, 2))[0]
    x = data.inputs[rows[0], 0].numpy()
    assert np.allclose(x[:32], va[0]) and np.allclose(x[32:64], va[1])
    assert x.shape == (128,)


@pytest.mark.parametrize(
    ("lab", "said"),
    [
        ("0 1 C:maj\n0.5 1.5 A:min\n", "song0.lab: line 2: starts at 0.5 s"),
        ("0 1 C:maj\n1.5 1.2 A:min\n", "song0.lab: line 2: ends at 1.2 s before it starts at 1.5"),
        ("0 1 C:maj\n1 2 A:weird\n", "song0.lab: line 2: chord 'A:weird': unknown chord quality"),
        ("0 1 C:maj\n1 two A:min\n", "song0.lab: line 2: times '1' 'two' are not numbers"),
        ("0 1 C:maj\n1 2\n", "song0.lab: line 2: expected 'start end label'"),
    ],
)
def test_a_bad_lab_is_a_skip_naming_file_and_line_and_strict_makes_it_an_error(
    corpus, cli, tmp_path, lab, said
):
    (corpus / "song0.lab").write_text(lab)
    out = tmp_path / "run"
    result = cli(*TRAIN, "--data", corpus, "-o", out)
    assert result.code == 0, result.err
    assert said in result.err.replace("\n", " ")
    strict = tmp_path / "strict"
    result = cli(*TRAIN, "--data", corpus, "-o", strict, "--strict")
    assert result.code == 1 and len(_lines(result)) == 1, result.err
    assert said in result.err and "--strict" in result.err
    assert not strict.exists()


def test_audio_without_its_lab_is_a_reported_skip(corpus, cli, tmp_path):
    (corpus / "song1.lab").unlink()
    result = cli(*TRAIN, "--data", corpus, "-o", tmp_path / "run")
    assert result.code == 0
    assert "song1.wav: no .lab beside it and no .jams of the same name" in result.err
    result = cli(*TRAIN, "--data", corpus, "-o", tmp_path / "strict", "--strict")
    assert result.code == 1 and "song1.wav: no .lab" in result.err
    assert not (tmp_path / "strict").exists()


def test_guitarset_style_jams_pair_with_their_recordings(corpus, tmp_path):
    from emotrain.data.base import DataReport
    from emotrain.data.chord_corpus import plan

    root = tmp_path / "guitarset"
    (root / "audio_mono-mic").mkdir(parents=True)
    for i in range(2):
        shutil.copy(
            corpus / f"song{i}.wav", root / "audio_mono-mic" / f"0{i}_BN1-129-Eb_comp_mic.wav"
        )
        write_jams(root / "annotation" / f"0{i}_BN1-129-Eb_comp.jams",
              [(0.0, 0.5, "C:maj"), (0.5, 0.5, "A:min7/b3")])  # fmt: skip
    (root / "audio_mono-mic" / "stray.wav").write_bytes((corpus / "song2.wav").read_bytes())
    write_jams(root / "annotation" / "stray.jams", [(0.0, 1.0, 1)], namespace="beat")
    report = DataReport(source="test")
    items = plan(root, report, use_labels=False)
    assert [item.song for item in items] == [
        "annotation/00_BN1-129-Eb_comp",
        "annotation/01_BN1-129-Eb_comp",
    ]
    assert [CLASS_NAMES[c] for c in items[0].annotation.classes] == ["C", "A:min7"]
    assert [(s.item, s.reason) for s in report.skipped] == [
        (
            "annotation/stray.jams",
            "no chord annotation (namespace chord or chord_harte; found beat)",
        )
    ]


def test_no_emotion_input_is_a_usage_error_naming_both_ways(corpus, cli, tmp_path):
    (corpus / "labels.csv").unlink()
    result = cli(*TRAIN, "--data", corpus, "-o", tmp_path / "run")
    assert result.code == 2 and len(_lines(result)) == 1, result.err
    assert "labels.csv" in result.err and "--emotion-model" in result.err
    assert not (tmp_path / "run").exists()


def test_an_emotion_model_of_another_network_is_refused_in_one_line(corpus, cli, tmp_path):
    run = tmp_path / "harmony_run"
    assert cli(*TRAIN, "--data", corpus, "-o", run).code == 0
    (corpus / "labels.csv").unlink()
    wrong = run / "harmonypredictor.json"
    for source in (wrong, run, "nothing-here"):
        result = cli(*TRAIN, "--data", corpus, "-o", tmp_path / "run", "--emotion-model", source)
        assert result.code == 2 and len(_lines(result)) == 1, result.err
        assert "--emotion-model" in result.err
        assert not (tmp_path / "run").exists()
    assert (
        "is the harmonypredictor network, not an emotion recognizer"
        in cli(*TRAIN, "--data", corpus, "-o", tmp_path / "run", "--emotion-model", wrong).err
    )


def test_a_recognizer_gives_the_embedding_as_the_plugin_runs_it_and_resume_is_bit_exact(
    corpus, cli, tmp_path
):
    """Harmony on a corpus without labels.csv, its emotion input from a trained recognizer run
    over each song from one reset; a run resumed after 1 epoch equals one run for 2."""
    import torch

    from emotrain.data.emotion_source import resolve_emotion_model
    from emotrain.data.sources import load_data
    from emotrain.models.catalog import get_spec
    from emotrain.plugin.features import log_mel
    from emotrain.training.checkpoint import load_checkpoint

    emotion_run = tmp_path / "emotion_run"
    args = ["train", "-m", "emotion", "--epochs", "1", "--seq-len", "4", "--device", "cpu"]
    assert cli(*args, "--quiet", "--data", corpus, "-o", emotion_run).code == 0
    (corpus / "labels.csv").unlink()
    model = ["--emotion-model", emotion_run]
    short, long = tmp_path / "short", tmp_path / "long"
    assert cli(*TRAIN, "--data", corpus, "-o", long, *model, "--epochs", "2").code == 0
    result = cli(*TRAIN, "--data", corpus, "-o", short, *model)
    assert result.code == 0
    assert cli("resume", short, "--epochs", "2", "--quiet").code == 0
    a = load_checkpoint(short / "checkpoints/harmonypredictor_latest.pt")
    b = load_checkpoint(long / "checkpoints/harmonypredictor_latest.pt")
    assert a["epoch"] == b["epoch"] == 2
    assert all(torch.equal(a["model_state_dict"][k], v) for k, v in b["model_state_dict"].items())
    recorded = json.loads((short / "run_config.json").read_text())["data"]["emotion_model"]
    assert recorded == str(emotion_run.resolve())
    # evaluate rebuilds the held-out songs with the recorded recognizer and judges them by WCSR
    result = cli("evaluate", "--checkpoint-dir", long, "-o", tmp_path / "ev", "--device", "cpu")
    assert result.code == 0, result.err
    report = json.loads((tmp_path / "ev" / "evaluation_results.json").read_text())
    entry = report["models"]["harmonypredictor"]
    assert entry["headline_mode"] == "streamed" and entry["headline"]["metric"] == "wcsr_majmin"
    # The recognizer's state reaches harmony's input: a live set too, the recognizer from one reset
    assert set(entry["modes"]) == {"streamed", "live_set", "windowed"}
    live = entry["modes"]["live_set"]
    assert live["headline"]["metric"] == "wcsr_majmin" and live["songs"] == ["song1.wav"]
    # one held-out song: the live set is that song from a reset, the streamed figures exactly
    assert live["metrics"] == entry["modes"]["streamed"]["metrics"]
    assert "from a single reset()" in live["how"]
    # the embedding is the recognizer's, streamed from one reset over the song's frames
    import soundfile as sf

    cfg = DataConfig(format="chords", path=str(corpus), seq_len=1, emotion_model=str(emotion_run))
    data = load_data(get_spec("harmony"), cfg, 0, output_dir=tmp_path / "x")
    samples, _ = sf.read(corpus / "song0.wav", dtype="float32")
    feats = log_mel(samples)
    want = resolve_emotion_model(str(emotion_run)).model.run(feats, reset=True)
    rows = [i for i, g in enumerate(data.groups) if g == "song0"]
    got = data.inputs[rows, 0].numpy()
    assert np.array_equal(got[:, :64], want[: len(rows)].astype(np.float32))
    assert np.array_equal(got[:, 64:], feats[: len(rows), :64])
    # In the live set the first song's input is the streamed one; the next starts from its state.
    from emotrain.evaluation.harmony import chord_streams, live_inputs

    streams = chord_streams(cfg, ["song0", "song1", "song2"], tmp_path / "x")
    joined = live_inputs(streams)
    assert np.array_equal(joined[0], streams.inputs[0])
    assert not np.array_equal(joined[1][:, :64], streams.inputs[1][:, :64])
    assert np.array_equal(joined[1][:, 64:], streams.inputs[1][:, 64:])


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("0123456789. \n\t-:#bACGNXmaj(),/*e")), max_size=60))
def test_any_lab_text_is_read_or_refused_with_a_reason(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("lab") / "x.lab"
    path.write_text(text)
    try:
        annotation = read_lab(path)
    except ChordFileError as exc:
        assert str(exc).startswith("x.lab")
    else:
        assert annotation.intervals.shape[0] == len(annotation.labels)
        assert set(annotation.classes.tolist()) <= set(range(64)) | {EXCLUDED}
