"""Reports built from real files: run folders, old-pipeline checkpoints, the CLI's JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from evalruns import SEED, old_pipeline_checkpoint, write_run

from emotrain.cli import main
from emotrain.config import DataConfig, model_seed
from emotrain.data.sources import load_data
from emotrain.errors import CheckpointError, ConfigError, DataError
from emotrain.evaluation import REPORT_FILE, evaluate
from emotrain.models.catalog import get_spec
from emotrain.training.checkpoint import load_checkpoint, load_model, save_checkpoint


@pytest.fixture(scope="module")
def groove_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_run(tmp_path_factory.mktemp("r") / "run", "groovepredictor", train_steps=80)


def test_report_is_the_validation_split_beside_the_training_mean(
    groove_run: Path, tmp_path: Path
) -> None:
    report = evaluate(groove_run, output=tmp_path, device="cpu")
    assert json.loads((tmp_path / REPORT_FILE).read_text()) == report
    entry = report["models"]["groovepredictor"]
    manifest = json.loads((groove_run / "splits" / "groovepredictor_split.json").read_text())

    # Recompute independently: the same data, the manifest's songs, the saved weights.
    spec = get_spec("groove")
    data = load_data(spec, DataConfig(samples=24, seq_len=6, validation_split=0.25),
                     model_seed(SEED, spec.name))  # fmt: skip
    val = [i for i, g in enumerate(data.groups) if g in set(manifest["val"])]
    train = [i for i, g in enumerate(data.groups) if g in set(manifest["train"])]
    model = load_model(groove_run / "checkpoints" / "groovepredictor_best.pt")
    with torch.no_grad():
        pred = model(data.inputs[val]).double()
    target = data.targets[val].double()
    mean = data.targets[train].double().reshape(-1, spec.out_features).mean(0)

    assert entry["n_items"] == len(val) == manifest["n_val_sequences"]
    assert entry["n_frames"] == len(val) * 6
    assert (
        entry["parameters"] == 18_656 and entry["macs_per_frame"] == 64 * 128 + 128 * 64 + 64 * 32
    )
    assert entry["checkpoint_kind"] == "best" and entry["checkpoint_format"] == "emotrain"
    assert entry["metrics"]["mae"] == pytest.approx(float((pred - target).abs().mean()), rel=1e-6)
    assert entry["metrics"]["mse"] == pytest.approx(float(((pred - target) ** 2).mean()), rel=1e-6)
    assert entry["baseline"]["mae"] == pytest.approx(float((mean - target).abs().mean()), rel=1e-9)
    h = entry["headline"]
    assert {k: h[k] for k in ("metric", "higher_is_better", "model", "baseline")} == {
        "metric": "mae",
        "higher_is_better": False,
        "model": entry["metrics"]["mae"],
        "baseline": entry["baseline"]["mae"],
    }
    # 80 Adam steps are enough to be better than a constant, over the 6 held-out items.
    assert h["verdict"] == h["loss_verdict"] == "better"
    assert h["beats_baseline"] is True and h["loss_beats_baseline"] is True
    assert h["n_groups"] == len(manifest["val"]) == 6

    # The interval is a paired bootstrap over the songs (items here) of the directly computed MAE.
    from emotrain.stats import paired_bootstrap

    songs = [data.groups[i] for i in val]
    direct = paired_bootstrap(
        lambda i: float((pred[i] - target[i]).abs().mean()),
        lambda i: float((mean - target[i]).abs().mean()),
        songs,
        n_resamples=1000,
        seed=0,
    )
    assert h["diff"] == pytest.approx(direct.diff, rel=1e-9)
    assert h["ci"] == pytest.approx([direct.ci_low, direct.ci_high], rel=1e-9)
    assert h["ci"][1] < 0  # lower is better: the whole interval in the model's favour
    assert entry["bootstrap"] == {"unit": "items", "n_groups": 6, "n_resamples": 1000, "seed": 0,
                                  "confidence": 0.95, "interval": "percentile"}  # fmt: skip
    assert set(entry["comparison"]) == set(entry["metrics"])
    assert "training split" in entry["baseline_method"]
    assert entry["notes"] == [
        "synthetic: the targets are a random teacher function of random inputs, the right "
        "shapes and no music"
    ]


def test_checkpoints_folder_and_latest_fallback(groove_run: Path, tmp_path: Path) -> None:
    by_run = evaluate(groove_run)["models"]["groovepredictor"]
    by_ckpt_dir = evaluate(groove_run / "checkpoints")["models"]["groovepredictor"]
    assert by_ckpt_dir["metrics"] == by_run["metrics"]
    run = write_run(tmp_path / "run", "dynamics")
    best = run / "checkpoints" / "dynamicsengine_best.pt"
    best.rename(best.with_name("dynamicsengine_latest.pt"))
    entry = evaluate(run)["models"]["dynamicsengine"]
    assert entry["checkpoint_kind"] == "latest"
    assert "no dynamicsengine_best.pt" in entry["notes"][0]


def test_old_pipeline_checkpoints_evaluate_on_synthetic_data(tmp_path: Path) -> None:
    old_pipeline_checkpoint(tmp_path / "GroovePredictor_best.pt", "groove", "GroovePredictor")
    old_pipeline_checkpoint(
        tmp_path / "melody_transformer_best.pth", "melody", "melody_transformer"
    )
    report = evaluate(tmp_path, output=tmp_path / "out")
    assert list(report["models"]) == ["melodytransformer", "groovepredictor"]
    for entry in report["models"].values():
        assert entry["checkpoint_format"] == "old-pipeline" and entry["epoch"] == 30
        assert entry["n_items"] == DataConfig().samples
        assert entry["n_frames"] == DataConfig().samples * DataConfig().seq_len
        assert "old-pipeline checkpoint" in entry["notes"][0] and "seed 42" in entry["notes"][0]
    melody = report["models"]["melodytransformer"]
    assert melody["parameters"] == 641_664
    assert set(melody["metrics"]) == set(melody["baseline"])
    other_seed = evaluate(tmp_path, models="groove", seed=3)["models"]["groovepredictor"]
    assert "seed 3" in other_seed["notes"][0]
    assert other_seed["metrics"] != report["models"]["groovepredictor"]["metrics"]


def test_data_format_synthetic_evaluates_all_fresh_data(groove_run: Path) -> None:
    entry = evaluate(groove_run, data_format="synthetic", seed=5)["models"]["groovepredictor"]
    assert entry["n_items"] == 24  # the run's sample count, all of it
    assert "baseline mean taken from it" in entry["notes"][0]
    assert "evaluated data itself" in entry["baseline_method"]


def test_data_option_evaluates_all_of_a_corpus(tmp_path: Path) -> None:
    """--data on a labelled MIDI folder (built by the data tests' corpus helpers)."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
    from corpora import make_midi_folder

    corpus = make_midi_folder(tmp_path / "midi")
    (tmp_path / "ck").mkdir()
    old_pipeline_checkpoint(
        tmp_path / "ck" / "MelodyTransformer_best.pt", "melody", "MelodyTransformer"
    )
    entry = evaluate(tmp_path / "ck", data=corpus, data_format="folder")["models"][
        "melodytransformer"
    ]
    assert entry["data"].startswith("all ") and str(corpus) in entry["data"]
    assert entry["n_items"] > 0 and entry["n_frames"] > entry["n_items"]
    assert f"evaluated on all of {corpus}" in entry["notes"][0]
    with pytest.raises(ConfigError, match="--data"):
        evaluate(tmp_path / "ck", data_format="deam")  # a corpus format without a folder


def test_seed_is_ignored_for_a_run_and_says_so(groove_run: Path) -> None:
    plain = evaluate(groove_run)["models"]["groovepredictor"]
    seeded = evaluate(groove_run, seed=99)["models"]["groovepredictor"]
    assert seeded["metrics"] == plain["metrics"]
    assert any("--seed ignored" in n for n in seeded["notes"])


def test_changed_data_is_noted(groove_run: Path, tmp_path: Path) -> None:
    import shutil

    run = tmp_path / "copy"
    shutil.copytree(groove_run, run)
    path = run / "checkpoints" / "groovepredictor_best.pt"
    ckpt = load_checkpoint(path)
    ckpt["data_fingerprint"] = "0" * 64
    save_checkpoint(path, ckpt)
    notes = evaluate(run)["models"]["groovepredictor"]["notes"]
    assert any("fingerprint mismatch" in n for n in notes)


def test_errors_name_what_is_wrong(groove_run: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        evaluate(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match=r"no checkpoints found in .*empty"):
        evaluate(tmp_path / "empty")
    with pytest.raises(DataError, match="no checkpoint of melodytransformer"):
        evaluate(groove_run, models="melody")
    with pytest.raises(ConfigError, match="--batch-size"):
        evaluate(groove_run, batch_size=0)
    (tmp_path / "bad").mkdir()
    whole = (groove_run / "checkpoints" / "groovepredictor_best.pt").read_bytes()
    (tmp_path / "bad" / "groovepredictor_best.pt").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(CheckpointError, match="truncated or corrupt"):
        evaluate(tmp_path / "bad")


def test_split_that_matches_no_data_is_refused(groove_run: Path, tmp_path: Path) -> None:
    import shutil

    run = tmp_path / "copy"
    shutil.copytree(groove_run, run)
    split = run / "splits" / "groovepredictor_split.json"
    manifest = json.loads(split.read_text())
    manifest["val"] = ["some-other-song"]
    split.write_text(json.dumps(manifest))
    with pytest.raises(DataError, match="none of the validation items"):
        evaluate(run)


def test_cli_json_holds_only_the_report(groove_run: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "eval"
    code = main(["evaluate", "--checkpoint-dir", str(groove_run), "-o", str(out), "--json"])
    captured = capsys.readouterr()
    assert code == 0
    printed = json.loads(captured.out)  # the whole of stdout parses: nothing else was printed
    assert printed == json.loads((out / REPORT_FILE).read_text())
    assert "evaluating groovepredictor" in captured.err


def test_cli_table_and_errors(groove_run: Path, tmp_path: Path, capsys) -> None:
    code = main(
        ["evaluate", "--checkpoint-dir", str(groove_run), "-o", str(tmp_path / "e"), "-m", "groove"]
    )
    out = " ".join(capsys.readouterr().out.split())
    assert code == 0
    assert "groovepredictor: best checkpoint (epoch 1)" in out and "better than the baseline" in out
    assert "mae (headline)" in out and "18,656 parameters" in out
    assert "95% interval" in out and "over 6 items" in out
    code = main(["evaluate", "--checkpoint-dir", str(tmp_path / "missing")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "--checkpoint-dir" in err
    (tmp_path / "none").mkdir()
    code = main(["evaluate", "--checkpoint-dir", str(tmp_path / "none"), "-o", str(tmp_path / "e")])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("error: no checkpoints found") and err.count("\n") == 1
