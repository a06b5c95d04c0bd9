"""Harmony judged on held-out songs of rendered chords: WCSR against the most frequent chord.

The corpus's audio is the chords its `.lab` files name (a few additive partials per note), so a
network reading the bands can name the chord, and must be `better` than always saying the most
frequent training chord by a wide margin. With each song's `.lab` drawn independently of its
audio (shuffled), nothing can be learned and the verdict must not be `better`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.data.chord_corpora import make_chord_corpus

TRAIN = ["train", "-m", "harmony", "--epochs", "5", "--seq-len", "16", "--batch-size", "16"]
TRAIN += ["--validation-split", "0.4", "--device", "cpu", "--quiet"]


@pytest.fixture(scope="module")
def harmony_runs(tmp_path_factory) -> dict[str, Path]:
    from emotrain.cli import main

    root = tmp_path_factory.mktemp("harmony_verdict")
    runs = {}
    for name, shuffle in (("real", False), ("shuffled", True)):
        corpus = make_chord_corpus(root / f"{name}_corpus", songs=12, shuffle=shuffle, seed=3)
        out = root / f"{name}_run"
        assert main(["train", *TRAIN[1:], "--data", str(corpus), "-o", str(out)]) == 0
        runs[name] = out
    return runs


def _evaluate(cli, run: Path, out: Path, *extra: str) -> dict:
    result = cli("evaluate", "--checkpoint-dir", run, "-o", out, "--device", "cpu", *extra)
    assert result.code == 0, result.err
    return json.loads((out / "evaluation_results.json").read_text())["models"]["harmonypredictor"]


def test_rendered_chords_are_recognised_better_than_the_most_frequent_chord(
    harmony_runs, cli, tmp_path
):
    entry = _evaluate(cli, harmony_runs["real"], tmp_path / "ev")
    h = entry["headline"]
    assert entry["headline_mode"] == "streamed" and h["metric"] == "wcsr_majmin"
    assert h["verdict"] == "better" and h["n_groups"] >= 5
    assert h["model"] > 0.85 and h["baseline"] < 0.35
    assert h["model"] - h["baseline"] > 0.5
    assert set(entry["metrics"]) == {"wcsr_root", "wcsr_majmin", "wcsr_sevenths"}
    assert entry["comparison"]["wcsr_root"]["verdict"] == "better"
    assert "most frequent chord" in entry["baseline_method"]
    # the export, run by the reference interpreter, gets the same verdict
    export = _evaluate(
        cli, harmony_runs["real"] / "harmonypredictor.json", tmp_path / "ev_export",
        "--data", json.loads((harmony_runs["real"] / "run_config.json").read_text())["data"]["path"],
    )  # fmt: skip
    assert export["headline"]["metric"] == "wcsr_majmin"
    assert export["headline"]["model"] > 0.85
    print("real", entry["metrics"], entry["baseline"], h["ci"], h["verdict"])


def test_chords_that_do_not_follow_the_audio_are_not_better(harmony_runs, cli, tmp_path):
    entry = _evaluate(cli, harmony_runs["shuffled"], tmp_path / "ev")
    h = entry["headline"]
    print("shuffled", entry["metrics"], entry["baseline"], h["ci"], h["verdict"])
    assert h["metric"] == "wcsr_majmin"
    assert h["verdict"] == "not distinguishable"
    assert h["model"] < 0.4


def test_compare_judges_harmony_by_wcsr_on_the_chord_corpus(harmony_runs, cli, tmp_path):
    real, shuffled = harmony_runs["real"], harmony_runs["shuffled"]
    corpus = json.loads((real / "run_config.json").read_text())["data"]["path"]
    ckpt = Path("checkpoints") / "harmonypredictor_best.pt"
    result = cli("compare", shuffled / ckpt, real / ckpt, "--data", corpus, "-o", tmp_path / "c",
                 "--json", "--margin", "wcsr_majmin=0.02")  # fmt: skip
    assert result.code == 0, result.err
    report = json.loads(result.out)
    figures = {row["figure"]: row for row in report["figures"]}
    assert set(figures) == {"wcsr_root", "wcsr_majmin", "wcsr_sevenths"}
    assert report["decided_by"] == ["wcsr_majmin"] and report["headline_mode"] == "streamed"
    assert figures["wcsr_majmin"]["margin"] == 0.02
    assert report["verdict"] == "better" and figures["wcsr_majmin"]["diff"] > 0.5


@pytest.fixture(scope="module")
def recognized_runs(tmp_path_factory) -> dict[str, dict]:
    """The same two corpora, harmony's emotion input from a recognizer (`--emotion-model`, trained
    1 epoch on the real corpus's labels.csv): each run's evaluated entry."""
    from emotrain.cli import main

    root = tmp_path_factory.mktemp("harmony_recognized")
    real = make_chord_corpus(root / "real_corpus", songs=12, seed=3)
    emotion = root / "emotion_run"
    args = ["-m", "emotion", "--epochs", "1", "--seq-len", "8", "--device", "cpu", "--quiet"]
    assert main(["train", *args, "--data", str(real), "-o", str(emotion)]) == 0
    entries = {}
    for name, shuffle in (("real", False), ("shuffled", True)):
        corpus = (
            real
            if not shuffle
            else make_chord_corpus(root / "shuffled", songs=12, shuffle=True, seed=3)
        )
        run, out = root / f"{name}_run", root / f"{name}_eval"
        model = ["--emotion-model", str(emotion)]
        assert main(["train", *TRAIN[1:], "--data", str(corpus), *model, "-o", str(run)]) == 0
        code = main(["evaluate", "--checkpoint-dir", str(run), "-o", str(out), "--device", "cpu"])
        assert code == 0
        entries[name] = json.loads((out / "evaluation_results.json").read_text())["models"][
            "harmonypredictor"
        ]
    return entries


def test_a_recognizer_fed_harmony_is_judged_as_a_live_set_too(recognized_runs) -> None:
    """Its input carries the recognizer's state, so the held-out songs also play back to back
    from one reset: the chords still follow the audio (`better`), and with chords drawn apart
    from the audio nothing is (`not distinguishable`), in both modes."""
    for name, want in (("real", "better"), ("shuffled", "not distinguishable")):
        entry = recognized_runs[name]
        assert set(entry["modes"]) == {"streamed", "live_set", "windowed"}, name
        for mode in ("streamed", "live_set"):
            h = entry["modes"][mode]["headline"]
            print(name, mode, h["model"], h["baseline"], h["ci"], h["verdict"])
            assert h["metric"] == "wcsr_majmin" and h["verdict"] == want, (name, mode, h)
            if want == "better":
                assert h["model"] - h["baseline"] > 0.5 and h["ci"][0] > 0.3, (name, mode, h)
        live = entry["modes"]["live_set"]
        assert live["order"] == "sorted by song id" and len(live["songs"]) >= 4
