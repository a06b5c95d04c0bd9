"""Training on each corpus layout through the real CLI, and the split manifest it leaves behind."""

from __future__ import annotations

import json

import pytest

from emotrain.cli import main

FAST = ["--epochs", "1", "--seq-len", "8", "--batch-size", "16", "--device", "cpu", "--quiet"]


@pytest.mark.parametrize(
    ("corpus", "fmt", "model"),
    [
        ("deam_corpus", "deam", "emotionrecognizer"),
        ("pmemo_corpus", "auto", "emotionrecognizer"),
        ("emopia_corpus", "emopia", "melodytransformer"),
        ("audio_folder", "folder", "emotionrecognizer"),
        ("midi_folder", "auto", "melodytransformer"),
    ],
)
def test_train_on_corpus_writes_a_song_level_split(request, tmp_path, capsys, corpus, fmt, model):
    root = request.getfixturevalue(corpus)
    out = tmp_path / "run"
    args = [
        "train",
        "--data",
        str(root),
        "--data-format",
        fmt,
        "--model",
        model,
        "--output",
        str(out),
    ]
    assert main([*args, *FAST]) == 0, capsys.readouterr().err
    assert (out / f"{model}.json").is_file()
    manifest = json.loads((out / "splits" / f"{model}_split.json").read_text())
    assert manifest["unit"] == "song"
    train, val = set(manifest["train"]), set(manifest["val"])
    assert train and val and not train & val
    from emotrain.config import DataConfig
    from emotrain.data.corpus import load_corpus
    from emotrain.models import get_spec

    data = load_corpus(
        get_spec(model), DataConfig(format=fmt, path=str(root), seq_len=8), 0, output_dir=out
    )
    assert train | val == set(data.groups)
    n_train = sum(g in train for g in data.groups)
    assert manifest["n_train_sequences"] == n_train
    assert manifest["n_val_sequences"] == len(data.groups) - n_train


def test_wrong_model_for_a_corpus_is_a_usage_error(emopia_corpus, tmp_path, capsys):
    code = main(
        [
            "train",
            "--data",
            str(emopia_corpus),
            "--model",
            "emotion",
            "--output",
            str(tmp_path / "r"),
            *FAST,
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "can train only melodytransformer" in err and "Traceback" not in err


def test_missing_corpus_is_a_usage_error(tmp_path, capsys):
    code = main(
        ["train", "--data", str(tmp_path / "nowhere"), "--output", str(tmp_path / "r"), *FAST]
    )
    assert code == 2
    assert "--data: folder not found" in capsys.readouterr().err


def test_strict_turns_a_skipped_file_into_an_error(audio_folder, copy_corpus, tmp_path, capsys):
    root = copy_corpus(audio_folder)
    (root / "clips" / "take_0.wav").write_bytes(b"not a wav")
    args = [
        "train",
        "--data",
        str(root),
        "--model",
        "emotion",
        "--output",
        str(tmp_path / "r"),
        *FAST,
    ]
    assert main([*args, "--strict"]) == 1
    err = capsys.readouterr().err
    assert "--strict: 1 item(s)" in err and "clips/take_0.wav: cannot decode audio" in err
    assert not (tmp_path / "r" / "emotionrecognizer.json").exists()


def test_default_models_follow_the_corpus_and_extraction_progress_is_shown(
    deam_corpus, tmp_path, capsys
):
    """No --model with --data: train what the corpus can train; plain logs show extraction."""
    out = tmp_path / "run"
    args = ["train", "--data", str(deam_corpus), "--output", str(out)]
    code = main([*args, *[a for a in FAST if a != "--quiet"]])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert (out / "emotionrecognizer.json").is_file()
    assert not (out / "melodytransformer.json").exists()
    progress = [ln for ln in captured.out.splitlines() if "extracting audio features" in ln]
    assert progress and progress[-1].rstrip().endswith("(100%)")
    done, total = progress[-1].split(": ", 1)[1].split()[0].split("/")
    assert done == total and int(total) > 0


def test_resume_refuses_when_the_corpus_changed(midi_folder, copy_corpus, tmp_path, capsys):
    corpus = copy_corpus(midi_folder)
    out = tmp_path / "run"
    args = ["train", "--data", str(corpus), "-m", "melody", "--output", str(out), *FAST]
    assert main(args) == 0, capsys.readouterr().err
    labels = corpus / "labels.csv"
    lines = labels.read_text().splitlines()
    name, _, arousal = lines[1].split(",")
    lines[1] = f"{name},-0.900,{arousal}"  # one song's valence edited after training started
    labels.write_text("\n".join(lines) + "\n")
    capsys.readouterr()
    assert main(["resume", str(out), "--epochs", "2", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "training data changed since the run started" in err
    assert len([ln for ln in err.splitlines() if ln.strip()]) == 1


def test_a_model_no_such_corpus_trains_is_said_before_its_labels_are_judged(tmp_path, cli):
    """A header-only labels.csv is a labels problem only for a model the folder could train."""
    corpus = tmp_path / "headeronly"
    corpus.mkdir()
    (corpus / "labels.csv").write_text("file,valence,arousal\n")
    result = cli("train", "--data", corpus, "--model", "harmony", "-o", tmp_path / "r")
    assert result.code == 2
    assert result.err_lines == [
        f"error: --model: the folder corpus at {corpus} can train only emotionrecognizer or "
        "melodytransformer or dynamicsengine or groovepredictor (by its files), "
        "not harmonypredictor"
    ]
    for model in ("emotion", "groove"):
        result = cli("train", "--data", corpus, "--model", model, "-o", tmp_path / "r")
        assert result.code == 1 and "has no rows (only its header)" in result.err
