"""Models learn from real inputs as the plugin feeds them (raw log-mel dB), judged on held-out songs.

The corpora's labels are audible (tests/data/audible.py): a recognizer that hears the audio reaches a
clearly positive valence and arousal CCC on songs it never saw; the same audio with the labels
shuffled between songs must not. Before input standardization the recognizer's first tanh layer
saturated on raw dB and it learned a constant (CCC ~1e-7).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))

from audible import (
    make_audible_deam,
    make_audible_folder,
    make_audible_pmemo,
    make_quadrant_emopia,
)

SONGS, SECONDS = 20, 1.5
FAST = ["--seq-len", "8", "--batch-size", "16", "--device", "cpu", "--quiet"]
EPOCHS = "6"
#: Held-out CCC thresholds. Measured (seed 42, 20 songs x 1.5 s, 6 epochs): learned 0.64..0.92
#: (DEAM 0.64/0.89, PMEmo 0.67/0.70, folder 0.86/0.92); shuffled -0.25/0.15 with 4 held-out songs.
LEARNED_CCC = 0.5
#: Mean CCC of the held-out songs streamed whole, in a live set and in windows. Measured on the
#: shared run: streamed 0.79, live set 0.78, windowed 0.76 (4 held-out songs; the intervals of
#: the live set and the windows may touch 0 with so few songs).
STREAMED_CCC = 0.6
CHANCE_CCC = 0.45


def _train_and_evaluate(cli, data: Path, out: Path, model: str, epochs: str = EPOCHS) -> dict:
    result = cli("train", "-m", model, "--data", data, "--epochs", epochs, "-o", out, *FAST)
    assert result.code == 0, result.err
    result = cli(
        "evaluate", "--checkpoint-dir", out, "-o", out / "eval", "--json", "--device", "cpu"
    )
    assert result.code == 0, result.err
    return json.loads(result.out)["models"]


@pytest.fixture(scope="module")
def audible_deam_run(tmp_path_factory) -> tuple[Path, dict]:
    """One audible DEAM corpus trained once; the run is shared by read-only tests."""
    from emotrain.cli import main

    root = tmp_path_factory.mktemp("audible")
    corpus = make_audible_deam(root / "deam", n=SONGS, seconds=SECONDS)
    out = root / "run"
    args = ["train", "-m", "emotion", "--data", corpus, "--epochs", EPOCHS, "-o", out, *FAST]
    assert main([str(a) for a in args]) == 0
    return out, {"corpus": corpus}


def test_audible_deam_is_learned(audible_deam_run, cli) -> None:
    out, _ = audible_deam_run
    result = cli(
        "evaluate", "--checkpoint-dir", out, "-o", out / "eval", "--json", "--device", "cpu"
    )
    entry = json.loads(result.out)["models"]["emotionrecognizer"]
    metrics = entry["metrics"]
    print("deam", metrics["valence_ccc"], metrics["arousal_ccc"], entry["headline"]["ci"])
    assert metrics["valence_ccc"] > LEARNED_CCC and metrics["arousal_ccc"] > LEARNED_CCC
    assert entry["headline"]["metric"] == "mean_ccc" and entry["headline"]["verdict"] == "better"
    assert entry["headline"]["n_groups"] >= 3  # resampled over held-out songs, not frames
    # The headline is the songs streamed whole from one reset, as the plugin runs; the live set
    # (one reset for all held-out songs, in a stated order) and the windows are beside it.
    modes = entry["modes"]
    assert (
        entry["headline_mode"] == "streamed" and entry["headline"] == modes["streamed"]["headline"]
    )
    print("deam modes", {m: b["headline"]["model"] for m, b in modes.items()})
    for mode in ("streamed", "live_set", "windowed"):  # better: the streamed headline, above
        assert modes[mode]["headline"]["model"] > STREAMED_CCC
    assert modes["live_set"]["order"].startswith("sorted by song id")
    assert len(modes["live_set"]["songs"]) == entry["headline"]["n_groups"]
    # MediaEval's figures per song at 2 Hz: static labels leave Pearson undefined in every song
    for dim in ("valence", "arousal"):
        assert entry["metrics"][f"{dim}_rmse"] < entry["baseline"][f"{dim}_rmse"]
        assert entry["metrics"][f"{dim}_pearson"] is None


@pytest.mark.parametrize("layout", ["pmemo", "folder"])
def test_audible_corpora_in_other_layouts_are_learned(cli, tmp_path, layout) -> None:
    make = {"pmemo": make_audible_pmemo, "folder": make_audible_folder}[layout]
    corpus = make(tmp_path / layout, n=SONGS, seconds=SECONDS, seed=1)
    metrics = _train_and_evaluate(cli, corpus, tmp_path / "run", "emotion")["emotionrecognizer"]
    figures = metrics["metrics"]
    print(layout, figures["valence_ccc"], figures["arousal_ccc"], metrics["headline"]["ci"])
    assert figures["valence_ccc"] > LEARNED_CCC and figures["arousal_ccc"] > LEARNED_CCC
    assert metrics["headline"]["verdict"] == "better"


def test_shuffled_labels_are_not_learned(cli, tmp_path) -> None:
    corpus = make_audible_deam(tmp_path / "deam", n=SONGS, seconds=SECONDS, shuffle=True)
    entry = _train_and_evaluate(cli, corpus, tmp_path / "run", "emotion")["emotionrecognizer"]
    headline, figures = entry["headline"], entry["metrics"]
    assert entry["headline_mode"] == "streamed"  # the songs streamed whole are not learned
    assert entry["modes"]["live_set"]["headline"]["verdict"] != "better"
    print("shuffled", figures["valence_ccc"], figures["arousal_ccc"], headline["ci"])
    assert abs(figures["valence_ccc"]) < CHANCE_CCC and abs(figures["arousal_ccc"]) < CHANCE_CCC
    # Measured: mean CCC interval [-0.31, 0.25] over the held-out songs.
    assert headline["verdict"] == "not distinguishable" and headline["beats_baseline"] is False


def test_the_export_streams_songs_as_the_checkpoint_does(audible_deam_run, cli, tmp_path) -> None:
    """compare: the checkpoint (PyTorch) against its JSON (the reference interpreter), on all the
    corpus's songs streamed whole and as a live set: equivalent both ways."""
    out, info = audible_deam_run
    ckpt = out / "checkpoints" / "emotionrecognizer_best.pt"
    result = cli(
        "compare", ckpt, out / "emotionrecognizer.json", "--data", info["corpus"],
        "-o", tmp_path / "cmp", "--json", "--device", "cpu",
    )  # fmt: skip
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["headline_mode"] == "streamed" and report["verdict"] == "equivalent"
    for mode in ("streamed", "live_set"):
        assert report["modes"][mode]["verdict"] == "equivalent", mode
    assert report["modes"]["live_set"]["order"].startswith("sorted by song id")
    assert report["bootstrap"]["n_songs"] == SONGS


def test_statistics_come_from_the_training_split_and_the_export_takes_raw_db(
    audible_deam_run, cli, tmp_path
) -> None:
    import numpy as np
    import torch

    from emotrain.config import DataConfig, model_seed
    from emotrain.data.sources import load_data
    from emotrain.data.split import split_from_manifest
    from emotrain.models.catalog import get_spec
    from emotrain.models.normalization import feature_statistics
    from emotrain.plugin.reference import ReferenceModel, load_document
    from emotrain.training.checkpoint import load_checkpoint, load_model

    out, info = audible_deam_run
    ckpt = load_checkpoint(out / "checkpoints" / "emotionrecognizer_best.pt")
    spec = get_spec("emotion")
    data = load_data(
        spec,
        DataConfig(format="deam", path=str(info["corpus"])),
        model_seed(42, spec.name),
        output_dir=out,
    )
    split = split_from_manifest(data.groups, ckpt["split"], source="test")
    train = data.inputs[torch.tensor(split.train_index)]
    mean, std = feature_statistics(train)
    assert torch.equal(ckpt["input_normalization"]["mean"], mean)
    assert torch.equal(ckpt["input_normalization"]["std"], std)
    every = feature_statistics(data.inputs)[0]
    assert not torch.equal(every, mean)  # the validation songs were left out
    assert float(mean.mean()) < -10  # raw dB, as the plugin feeds them

    doc = load_document((out / "emotionrecognizer.json").read_text())
    vectors = np.asarray(doc["emotrain"]["test_vectors"]["inputs"], np.float32)
    val = data.inputs[torch.tensor(split.val_index)][0, : vectors.shape[0]].numpy()
    assert np.array_equal(vectors, val)  # real validation frames, in dB
    frames = data.inputs[torch.tensor(split.val_index)][:3].reshape(-1, 128).numpy()
    ours = ReferenceModel(doc, np.float32).run(frames)
    with torch.no_grad():
        theirs = load_model(out / "checkpoints" / "emotionrecognizer_best.pt")(
            torch.from_numpy(frames)[None]
        )[0].numpy()
    assert np.abs(ours - theirs).max() < 1e-5

    # export-rtneural verifies the same checkpoint on the same frames: the same figures.
    result = cli(
        "export-rtneural", out / "checkpoints" / "emotionrecognizer_best.pt", "-o", tmp_path
    )
    assert result.code == 0, result.err
    again = json.loads((tmp_path / "emotionrecognizer.json").read_text())["emotrain"]
    assert again["verification"] == doc["emotrain"]["verification"]
    assert again["verification"]["random_inputs"].startswith("training mean")


def test_melody_learns_the_pitch_content_of_each_quadrant(cli, tmp_path) -> None:
    corpus = make_quadrant_emopia(tmp_path / "emopia", songs_per_quadrant=5, clips=2)
    entry = _train_and_evaluate(cli, corpus, tmp_path / "run", "melody", epochs="8")
    entry = entry["melodytransformer"]
    model, base = entry["metrics"], entry["baseline"]
    print("melody", model["pc_hist_distance"], base["pc_hist_distance"])
    # Measured: 0.0 against the mean-distribution baseline's 0.58 (each quadrant strikes its triad).
    assert model["pc_hist_distance"] < base["pc_hist_distance"] - 0.3
    assert entry["comparison"]["pc_hist_distance"]["verdict"] == "better"
