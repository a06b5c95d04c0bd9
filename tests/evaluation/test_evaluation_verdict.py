"""The verdict: a paired bootstrap over songs that a constant, an untrained model or shuffled
labels cannot pass, while a model that learned passes it."""

from __future__ import annotations

import csv
import json
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from evalruns import write_run

from emotrain.evaluation import REPORT_FILE, evaluate
from emotrain.evaluation.metrics import model_metrics
from emotrain.evaluation.moments import sequence_sums, statistic
from emotrain.evaluation.verdicts import BootstrapOptions, compare, headline, prediction_spread
from emotrain.models.catalog import get_spec
from emotrain.training.checkpoint import load_checkpoint, save_checkpoint

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conftest import TINY

FEW = ["--resamples", "300"]  # enough for a stable 95% interval, quick on a busy machine


def scale_last_layer(run: Path, name: str, dest: Path, scale: float) -> Path:
    """A copy of the run whose checkpoint's last dense layer has its weights times `scale`
    (0: the output is a constant), written with the real checkpoint code."""
    shutil.copytree(run, dest)
    path = dest / "checkpoints" / f"{name}_best.pt"
    ckpt = load_checkpoint(path)
    state = ckpt["model_state_dict"]
    last = max(
        (k for k in state if re.fullmatch(r"layers\.\d+\.weight", k)),
        key=lambda k: int(k.split(".")[1]),
    )
    state[last] = state[last] * scale
    save_checkpoint(path, ckpt)
    return dest


# ---- the resampled figures are the report's figures ----------------------------------------------


@pytest.mark.parametrize(
    "name", ["emotionrecognizer", "melodytransformer", "harmonypredictor", "groovepredictor"]
)
def test_summed_figures_reproduce_the_metrics(name: str) -> None:
    spec = get_spec(name)
    g = torch.Generator().manual_seed(3)
    pred = torch.rand(9, 5, spec.out_features, generator=g, dtype=torch.float64)
    target = torch.rand(9, 5, spec.out_features, generator=g, dtype=torch.float64)
    if name == "melodytransformer":
        target = (target > 0.9).double()
        target[2] = 0.0  # steps without an active note are skipped, as in the metrics
    if name == "harmonypredictor":
        pred, target = pred.softmax(-1), target.softmax(-1)
    for p in (pred, pred[:1].expand_as(pred).clone()):  # a varying and a constant prediction
        sums, finish = sequence_sums(name, p, target)
        got, want = statistic(sums, finish)(np.arange(9)), model_metrics(name, p, target)
        assert set(got) == set(want)
        for key, value in want.items():
            assert (got[key] is None) == (value is None), key
            if value is not None:
                assert got[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key
        twice = statistic(sums, finish)(np.concatenate([np.arange(9), np.arange(9)]))
        assert twice["mse" if "mse" in want else next(iter(want))] == pytest.approx(
            got["mse" if "mse" in want else next(iter(want))]
        )


# ---- judging on a known answer and on shuffled labels ---------------------------------------------


def _songs(n_songs: int, per_song: int, seed: int):
    """Embeddings that are one value per song plus frame noise (frames of a song correlate)."""
    g = torch.Generator().manual_seed(seed)
    level = torch.rand(n_songs, 1, 1, 2, generator=g, dtype=torch.float64) * 2 - 1
    level = level.repeat_interleave(32, dim=-1).reshape(n_songs, 1, 1, 64)
    target = level.expand(n_songs, per_song, 4, 64) + 0.1 * torch.randn(
        n_songs, per_song, 4, 64, generator=g, dtype=torch.float64
    )
    target = target.reshape(n_songs * per_song, 4, 64)
    groups = [f"song{i}" for i in range(n_songs) for _ in range(per_song)]
    return target, groups


def _judge(pred, target, groups):
    spec = get_spec("emotion")
    base = target.reshape(-1, 64).mean(0).expand(target.shape)
    results = compare(spec.name, pred, target, base, groups, BootstrapOptions(400, 0))
    scores, base_scores = (
        model_metrics(spec.name, pred, target),
        model_metrics(spec.name, base, target),
    )
    return headline(spec, scores, base_scores, results, prediction_spread(pred, target))


def test_a_model_that_tracks_the_labels_is_better_and_shuffled_labels_are_not() -> None:
    target, groups = _songs(n_songs=16, per_song=3, seed=0)
    g = torch.Generator().manual_seed(1)
    pred = target + 0.2 * torch.randn(target.shape, generator=g, dtype=torch.float64)
    good, _ = _judge(pred, target, groups)
    assert good["verdict"] == "better" and good["beats_baseline"] is True
    assert good["n_groups"] == 16  # songs, not the 48 sequences nor their 192 frames
    assert good["model"] > 0.8 and good["ci"][0] > 0.5

    # The same predictions against the songs' labels shuffled between songs.
    order = torch.randperm(16, generator=torch.Generator().manual_seed(5))
    shuffled = target.reshape(16, 3, 4, 64)[order].reshape(target.shape)
    bad, _ = _judge(pred, shuffled, groups)
    assert bad["verdict"] == "not distinguishable" and bad["beats_baseline"] is False
    assert bad["ci"][0] < 0 < bad["ci"][1] and abs(bad["model"]) < 0.4


def test_frames_resampled_as_if_independent_would_have_called_shuffled_labels_better() -> None:
    """Why songs: with few songs a chance correlation looks certain when frames count as data."""
    target, groups = _songs(n_songs=6, per_song=4, seed=2)
    pred = target.reshape(6, 4, 4, 64)[torch.tensor([1, 0, 3, 2, 5, 4])].reshape(target.shape)
    by_song, _ = _judge(pred, target, groups)
    by_sequence, _ = _judge(pred, target, [str(i) for i in range(len(groups))])
    assert by_song["n_groups"] == 6 and by_sequence["n_groups"] == 24
    width = lambda h: h["ci"][1] - h["ci"][0]  # noqa: E731
    assert width(by_song) > 1.3 * width(by_sequence)


def test_a_nearly_constant_model_is_never_better_even_when_its_interval_says_so() -> None:
    target, groups = _songs(n_songs=16, per_song=3, seed=0)
    mean = target.reshape(-1, 64).mean(0)
    pred = mean + 1e-4 * (target - mean)  # perfectly correlated, but it hardly moves
    h, notes = _judge(pred, target, groups)
    assert h["ci"][0] > 0  # the bootstrap alone would say "better" ...
    assert h["verdict"] == "not distinguishable" and h["beats_baseline"] is False
    assert h["prediction_spread"] == pytest.approx(1e-4, rel=1e-6)
    assert "do not vary" in notes[0]


# ---- through the CLI: trained, untrained, constant --------------------------------------------------


@pytest.fixture(scope="module")
def groove_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from emotrain.cli import main

    root = tmp_path_factory.mktemp("verdict")
    runs = {"trained": root / "trained", "untrained": root / "untrained"}
    tiny = [*TINY[:1], "48", *TINY[2:]]  # 48 sequences: 10 held-out items to resample
    assert main(["train", "-m", "groove", "--epochs", "8", "-o", str(runs["trained"]), *tiny]) == 0
    untrained = ["train", "-m", "groove", "--epochs", "1", "--lr", "1e-7"]
    assert main([*untrained, "-o", str(runs["untrained"]), *tiny]) == 0
    runs["constant"] = scale_last_layer(runs["trained"], "groovepredictor", root / "constant", 0.0)
    return runs


def test_trained_untrained_and_constant_models_through_the_cli(groove_runs, cli, tmp_path) -> None:
    verdicts = {}
    for kind, run in groove_runs.items():
        result = cli("evaluate", "--checkpoint-dir", run, "-o", tmp_path / kind, "--json", *FEW)
        assert result.code == 0, result.err
        entry = json.loads(result.out)["models"]["groovepredictor"]
        h = entry["headline"]
        verdicts[kind] = h["verdict"]
        assert h["n_groups"] == entry["bootstrap"]["n_groups"] == 10  # 20% of 48
        assert entry["bootstrap"]["unit"] == "items" and entry["bootstrap"]["n_resamples"] == 300
        assert h["beats_baseline"] is (h["verdict"] == "better")
        comp = entry["comparison"]["mae"]
        assert comp["model"] == pytest.approx(entry["metrics"]["mae"], rel=1e-9)
        assert comp["diff"] == pytest.approx(comp["model"] - comp["baseline"])
        assert h["ci"] == comp["ci"]
    assert verdicts["trained"] == "better"
    assert verdicts["untrained"] != "better"
    assert verdicts["constant"] != "better"

    gate = cli(
        "evaluate",
        "--checkpoint-dir",
        groove_runs["trained"],
        "-o",
        tmp_path / "g",
        "--require-better",
    )
    assert gate.code == 0 and "better than the baseline" in " ".join(gate.out.split())
    for kind in ("untrained", "constant"):
        gate = cli(
            "evaluate",
            "--checkpoint-dir",
            groove_runs[kind],
            "-o",
            tmp_path / "g",
            "--require-better",
            *FEW,
        )
        assert gate.code == 1 and len(gate.err_lines) == 3  # progress, "written to", the error
        assert gate.err_lines[-1] == (
            f"error: --require-better: not better than the baseline: groovepredictor "
            f"({verdicts[kind]})"
        )
        assert (tmp_path / "g" / REPORT_FILE).is_file()  # the report is still written


def test_bootstrap_options_are_recorded_and_validated(groove_runs, cli, tmp_path) -> None:
    run = groove_runs["trained"]
    a = evaluate(run, resamples=200, bootstrap_seed=4)["models"]["groovepredictor"]
    b = evaluate(run, resamples=200, bootstrap_seed=4)["models"]["groovepredictor"]
    c = evaluate(run, resamples=200, bootstrap_seed=5)["models"]["groovepredictor"]
    assert a["comparison"] == b["comparison"] and a["comparison"] != c["comparison"]
    assert a["bootstrap"]["seed"] == 4 and a["bootstrap"]["n_resamples"] == 200
    bad = cli("evaluate", "--checkpoint-dir", run, "-o", tmp_path, "--resamples", "10")
    assert bad.code == 2 and bad.err_lines == [
        "error: --resamples: must be an integer >= 100, got 10"
    ]
    bad = cli("evaluate", "--checkpoint-dir", run, "-o", tmp_path, "--bootstrap-seed", "-1")
    assert bad.code == 2 and "--bootstrap-seed" in bad.err_lines[0]


# ---- the emotion recognizer: headline mean CCC; a constant never wins ------------------------------


def test_emotion_headline_is_mean_ccc_and_a_constant_emotion_model_is_not_better(tmp_path) -> None:
    run = write_run(tmp_path / "run", "emotion", samples=32, train_steps=60)
    trained = evaluate(run, resamples=200)["models"]["emotionrecognizer"]
    h = trained["headline"]
    assert h["metric"] == "mean_ccc" and h["higher_is_better"] is True
    m = trained["metrics"]
    assert m["mean_ccc"] == pytest.approx((m["valence_ccc"] + m["arousal_ccc"]) / 2)
    assert {"mse", "cosine_similarity", "mean_ccc"} <= set(trained["comparison"])
    assert h["verdict"] == "better" and h["model"] > 0.15  # measured 0.28

    constant = scale_last_layer(run, "emotionrecognizer", tmp_path / "constant", 0.0)
    entry = evaluate(constant, resamples=200)["models"]["emotionrecognizer"]
    h = entry["headline"]
    assert h["model"] == 0.0 and h["baseline"] == 0.0 and h["prediction_spread"] == 0.0
    assert h["verdict"] == "not distinguishable" and h["ci"] == [0.0, 0.0]

    faint = scale_last_layer(run, "emotionrecognizer", tmp_path / "faint", 1e-5)
    entry = evaluate(faint, resamples=200)["models"]["emotionrecognizer"]
    assert entry["headline"]["verdict"] != "better"


# ---- a trained model against shuffled labels: a folder corpus built here ---------------------------


def test_a_model_judged_on_shuffled_labels_is_not_distinguishable(cli, tmp_path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
    from corpora import make_audio_folder

    corpus = make_audio_folder(tmp_path / "corpus", n=8, seconds=2.0)
    run = tmp_path / "run"
    trained = cli("train", "-m", "emotion", "--data", corpus, "--data-format", "folder",
                  "--epochs", "3", "--seq-len", "8", "--device", "cpu", "--quiet", "-o", run)  # fmt: skip
    assert trained.code == 0, trained.err
    shuffled = tmp_path / "shuffled"
    shutil.copytree(corpus, shuffled)
    with open(corpus / "labels.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    labels = [(r["valence"], r["arousal"]) for r in rows]
    moved = labels[3:] + labels[:3]
    with open(shuffled / "labels.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        for row, (v, a) in zip(rows, moved, strict=True):
            writer.writerow({**row, "valence": v, "arousal": a})
    result = cli("evaluate", "--checkpoint-dir", run, "-o", tmp_path / "ev", "--json", *FEW,
                 "--data", shuffled, "--data-format", "folder")  # fmt: skip
    assert result.code == 0, result.err
    h = json.loads(result.out)["models"]["emotionrecognizer"]["headline"]
    assert h["verdict"] == "not distinguishable" and h["beats_baseline"] is False
    assert h["n_groups"] == len({r.get("song") or r["file"] for r in rows})
