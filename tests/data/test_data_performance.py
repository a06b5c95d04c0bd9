"""Performance MIDI trains the dynamics engine and the groove predictor: targets from the plugin's
own modules, inputs the clip's embedding through the wiring, unusable files reported."""

from __future__ import annotations

import numpy as np
import pytest
from corpora import make_emopia, write_csv
from hypothesis import given, settings
from hypothesis import strategies as st

from emotrain.cli import main
from emotrain.config import DataConfig
from emotrain.data.corpus import load_corpus, supported_models
from emotrain.data.performance import read_performance
from emotrain.errors import DataError
from emotrain.models import get_spec
from emotrain.plugin.dynamics import INDEX, frame_dynamics, n_frames_of
from emotrain.plugin.embedding import emotion_embedding
from emotrain.plugin.groove import frame_grooves
from emotrain.plugin.wiring import dynamics_input, groove_input

FAST = ["--epochs", "1", "--seq-len", "8", "--batch-size", "16", "--device", "cpu", "--quiet"]


def _load(root, model, seq_len=8, **kw):
    return load_corpus(
        get_spec(model), DataConfig(format="auto", path=str(root), seq_len=seq_len, **kw), 0
    )


def test_emopia_and_a_midi_folder_teach_melody_dynamics_and_groove(emopia_corpus, midi_folder):
    want = ("melodytransformer", "dynamicsengine", "groovepredictor")
    assert supported_models(DataConfig(format="auto", path=str(emopia_corpus))) == want
    assert supported_models(DataConfig(format="auto", path=str(midi_folder))) == want


@pytest.mark.parametrize("model", ["dynamics", "groove"])
def test_targets_are_the_plugin_vectors_of_each_clip(emopia_corpus, model) -> None:
    data = _load(emopia_corpus, model)
    spec = get_spec(model)
    assert data.inputs.shape[1:] == (8, spec.in_features)
    assert data.targets.shape[1:] == (8, spec.out_features)
    assert "analysis frames" in data.description and data.report.skipped == []
    # The first clip, Q1__kJtgm1OUNA_0: its frames from 0 s, cut into sequences of 8.
    midi = read_performance(emopia_corpus / "midis" / "Q1__kJtgm1OUNA_0.mid")
    n = n_frames_of(midi.performance)
    if spec.name == "dynamicsengine":
        frames = frame_dynamics(midi.performance, n)
        x = dynamics_input(emotion_embedding(np.array([0.5, 0.5])))
    else:
        frames = frame_grooves(midi.onset_ticks, midi.tempo, n)
        x = groove_input(emotion_embedding(np.array([0.5, 0.5])))
    n_seq = n // 8
    assert data.groups[:n_seq] == ["_kJtgm1OUNA"] * n_seq
    got = data.targets[:n_seq].reshape(-1, spec.out_features).numpy()
    np.testing.assert_array_equal(got, frames[: n_seq * 8])
    np.testing.assert_array_equal(
        data.inputs[:n_seq].numpy(), np.broadcast_to(x, (n_seq, 8, x.size))
    )


def test_a_q1_clip_is_louder_and_denser_than_a_q3_clip(emopia_corpus) -> None:
    """write_midi: Q1/Q2 sixteenths, Q3/Q4 eighths; the groove sees the sixteenth off-beats."""
    q1 = read_performance(emopia_corpus / "midis" / "Q1__kJtgm1OUNA_0.mid")
    q3 = read_performance(emopia_corpus / "midis" / "Q3_c6CwY8Gbw0c_3.mid")
    d1 = frame_dynamics(q1.performance, 100)[-1]
    d3 = frame_dynamics(q3.performance, 100)[-1]
    assert d1[INDEX["note_density"]] > d3[INDEX["note_density"]]
    g1 = frame_grooves(q1.onset_ticks, q1.tempo, 10)[0]
    g3 = frame_grooves(q3.onset_ticks, q3.tempo, 10)[0]
    assert g1[:16].tolist() == [1.0] * 16
    assert g3[:16].tolist() == [1.0, -1.0] * 8


def _no_tempo(path) -> None:
    from symusic import Note, Score, Track

    score = Score(480)
    track = Track("piano", program=0)
    for k in range(32):
        track.notes.append(Note(k * 120, 120, 60, 80))
    score.tracks.append(track)
    path.parent.mkdir(parents=True, exist_ok=True)
    score.dump_midi(str(path))


def _no_notes(path) -> None:
    from symusic import Score, Tempo

    score = Score(480)
    score.tempos.append(Tempo(0, 120.0))
    path.parent.mkdir(parents=True, exist_ok=True)
    score.dump_midi(str(path))


def test_files_without_notes_or_tempo_are_reported_skips(tmp_path) -> None:
    root = make_emopia(tmp_path / "emo")
    _no_tempo(root / "midis" / "Q2_notempo0000_0.mid")
    _no_notes(root / "midis" / "Q3_nonotes0000_0.mid")
    data = _load(root, "dynamics")
    reasons = {s.item: s.reason for s in data.report.skipped}
    assert reasons["midis/Q2_notempo0000_0.mid"].startswith("no tempo event")
    assert reasons["midis/Q3_nonotes0000_0.mid"] == "no notes outside drum tracks"
    assert "notempo0000" not in data.groups
    # the melody needs no tempo (its steps are ticks): only the note-less file is its skip
    melody = _load(root, "melody")
    assert [s.item for s in melody.report.skipped] == ["midis/Q3_nonotes0000_0.mid"]
    with pytest.raises(DataError, match=r"--strict: 2 item\(s\)"):
        _load(root, "groove", strict=True)


@pytest.mark.parametrize(("make", "why"), [(_no_tempo, "no tempo event"), (_no_notes, "no notes")])
def test_a_corpus_of_one_unusable_file_is_one_line_and_writes_nothing(tmp_path, cli, make, why):
    root = tmp_path / "folder"
    make(root / "take.mid")
    write_csv(root / "labels.csv", ["file", "valence", "arousal"], [["take.mid", 0.5, -0.5]])
    out = tmp_path / "run"
    result = cli("train", "--data", root, "-m", "dynamics", "-o", out, *FAST)
    assert result.code == 1 and len(result.err_lines) == 1, result.err
    assert "nothing usable for dynamicsengine" in result.err and why in result.err
    assert "Traceback" not in result.err and not out.exists()


def test_default_all_trains_three_models_on_emopia_and_resume_is_bit_exact(tmp_path, capsys):
    import torch

    from emotrain.training.checkpoint import load_checkpoint

    root = make_emopia(tmp_path / "emo")
    short, long = tmp_path / "short", tmp_path / "long"
    assert main(["train", "--data", str(root), "-o", str(short), *FAST]) == 0, capsys.readouterr()
    for name in ("melodytransformer", "dynamicsengine", "groovepredictor"):
        assert (short / f"{name}.json").is_file()
        assert (short / "splits" / f"{name}_split.json").is_file()
    assert not (short / "emotionrecognizer.json").exists()
    two = ["--data", str(root), "-m", "dynamics,groove", *FAST, "--epochs", "2"]
    assert main(["train", *two, "-o", str(long)]) == 0
    assert main(["resume", str(short), "--epochs", "2", "--quiet"]) == 0, capsys.readouterr()
    for name in ("dynamicsengine", "groovepredictor"):
        a = load_checkpoint(short / f"checkpoints/{name}_latest.pt")["model_state_dict"]
        b = load_checkpoint(long / f"checkpoints/{name}_latest.pt")["model_state_dict"]
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a), name


def test_a_synthetic_run_says_its_helpers_learned_no_music(tmp_path, cli) -> None:
    tiny = ["--samples", "24", "--seq-len", "4", "--batch-size", "8", "--device", "cpu"]
    result = cli("train", "-m", "melody,dynamics", *tiny, "--epochs", "1", "-o", tmp_path / "a")
    assert result.code == 0, result.err
    said = " ".join(result.out.split())
    assert "Synthetic data teaches no music: dynamicsengine learned a random teacher" in said
    assert "[dynamicsengine] synthetic: the targets are a random teacher function" in said
    resumed = cli("resume", tmp_path / "a", "--epochs", "2", "--quiet")
    assert resumed.code == 0, resumed.err
    assert "Synthetic data teaches no music: dynamicsengine" in " ".join(resumed.out.split())
    melody = cli("train", "-m", "melody", *tiny, "--epochs", "1", "-o", tmp_path / "b", "--quiet")
    assert melody.code == 0 and "teaches no music" not in melody.out


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 20_000), st.integers(0, 2_000), st.integers(0, 127),
                       st.integers(1, 127)), max_size=40),
    st.lists(st.tuples(st.integers(0, 20_000), st.floats(20, 300)), max_size=4),
    st.lists(st.tuples(st.integers(0, 20_000), st.integers(0, 127)), max_size=6),
    st.sampled_from([24, 96, 480]),
    st.booleans(),
)  # fmt: skip
def test_any_midi_file_gives_targets_in_range_or_a_reported_reason(
    tmp_path_factory, notes, tempos, pedal, tpq, drums
) -> None:
    from symusic import ControlChange, Note, Score, Tempo, Track

    from emotrain.data.midi import MidiReadError
    from emotrain.data.performance import targets

    score = Score(tpq)
    for tick, bpm in tempos:
        score.tempos.append(Tempo(tick, bpm))
    track = Track("t", program=0, is_drum=drums)
    for time, duration, pitch, velocity in notes:
        track.notes.append(Note(time, duration, pitch, velocity))
    for time, value in pedal:
        track.controls.append(ControlChange(time, 64, value))
    score.tracks.append(track)
    path = tmp_path_factory.mktemp("any") / "x.mid"
    score.dump_midi(str(path))
    try:
        midi = read_performance(path)
    except MidiReadError as exc:
        reason = str(exc)
        assert reason.startswith(("no notes", "no tempo", "cannot parse")), reason
        assert drums or not notes or not tempos
        return
    dyn, groove = targets("dynamicsengine", midi), targets("groovepredictor", midi)
    assert dyn.shape[1] == 16 and groove.shape == (dyn.shape[0], 32)
    assert np.isfinite(dyn).all() and dyn.min() >= 0 and dyn.max() <= 1
    assert set(np.unique(groove[:, :16]).tolist()) <= {-1.0, 1.0}
    assert groove[:, 16:].min() >= -1 and groove[:, 16:].max() < 1
