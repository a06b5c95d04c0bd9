"""The chord lane: harmony trained on rendered chords names, beat by beat, the chords of a new song."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from emotrain.plugin.chords import CLASS_NAMES, chord_class
from tests.data.chord_corpora import CHORDS, SR, make_chord_corpus, render

HARMONY = ["-m", "harmony", "--epochs", "6", "--seq-len", "16", "--batch-size", "16"]
HARMONY += ["--device", "cpu", "--quiet"]


@pytest.fixture(scope="module")
def chord_preview(trained, tmp_path_factory) -> Path:
    """Harmony trained on a chord corpus with the preview's recognizer as its emotion input,
    then a preview of a song of four known chords, one bar (2 s at 120 bpm) each."""
    import soundfile as sf

    from emotrain.cli import main

    root = tmp_path_factory.mktemp("chord_preview")
    corpus = make_chord_corpus(root / "corpus", songs=10, seed=5, labels_csv=False)
    run = root / "harmony"
    args = ["train", *HARMONY, "--data", str(corpus), "-o", str(run)]
    assert main([*args, "--emotion-model", str(trained.runs["emotion"])]) == 0
    models = root / "models"
    shutil.copytree(trained.models, models)
    shutil.copy(run / "harmonypredictor.json", models / "harmonypredictor.json")
    rng = np.random.default_rng(11)
    song = np.concatenate([render(CHORDS[c], 2.0, rng) for c in ("C:maj", "A:min", "F:maj", "G:7")])
    sf.write(root / "song.wav", song, SR)
    out = root / "out"
    assert main(["preview", str(root / "song.wav"), "--models", str(models), "-o", str(out)]) == 0
    return out / "song"


def test_the_lane_names_the_chord_of_each_beat(chord_preview) -> None:
    rows = (chord_preview / "chords.csv").read_text().splitlines()
    assert rows[0] == "beat,time_s,chord,probability"
    beats = [row.split(",") for row in rows[1:]]
    assert len(beats) == 16  # 8 s at 120 bpm
    want = [
        CLASS_NAMES[chord_class(c)] for c in ("C:maj", "A:min", "F:maj", "G:7") for _ in range(4)
    ]
    got = [b[2] for b in beats]
    right = sum(g == w for g, w in zip(got, want, strict=True))
    print("chord lane", got)
    assert right >= 14
    summary = json.loads((chord_preview / "summary.json").read_text())
    sequence = summary["harmony"]["sequence"]
    assert [s["chord"] for s in sequence][:1] == ["C"]
    assert sequence[-1]["end_s"] == pytest.approx(summary["duration_s"])
    assert summary["harmony"]["beats"] == 16
    assert "chords.csv" in summary["files"]
    assert (chord_preview / "melody.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_without_harmony_there_is_no_lane(trained, tmp_path) -> None:
    from emotrain.cli import main

    models = tmp_path / "models"
    shutil.copytree(trained.models, models)
    (models / "harmonypredictor.json").unlink()
    out = tmp_path / "out"
    assert main(["preview", str(trained.songs[1]), "--models", str(models), "-o", str(out)]) == 0
    summary = json.loads((out / "q1" / "summary.json").read_text())
    assert summary["harmony"] is None and not (out / "q1" / "chords.csv").exists()
