"""What `emotrain evaluate` refuses, and how: one line, the right exit status, before any work."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
import torch
from evalruns import write_run

from emotrain.cli import main
from emotrain.errors import CheckpointError, DataError
from emotrain.evaluation import REPORT_FILE, evaluate
from emotrain.training.checkpoint import load_checkpoint, save_checkpoint

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
from corpora import make_audio_folder

GROOVE = "groovepredictor"


@pytest.fixture(scope="module")
def groove_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_run(tmp_path_factory.mktemp("refusals") / "run", GROOVE)


def copy_run(run: Path, where: Path) -> Path:
    shutil.copytree(run, where)
    return where


def one_error_line(err: str) -> str:
    """The one `error:` line (progress lines may precede it on stderr)."""
    lines = [ln for ln in err.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, err
    assert "internal error" not in err and "Traceback" not in err
    return lines[0]


def test_non_finite_predictions_are_refused_naming_the_checkpoint(
    groove_run: Path, tmp_path: Path, capsys
) -> None:
    run = copy_run(groove_run, tmp_path / "run")
    path = run / "checkpoints" / f"{GROOVE}_best.pt"
    ckpt = load_checkpoint(path)
    first = next(iter(ckpt["model_state_dict"]))
    ckpt["model_state_dict"][first] = torch.full_like(ckpt["model_state_dict"][first], math_nan())
    save_checkpoint(path, ckpt)
    with pytest.raises(CheckpointError, match=r"_best\.pt: its predictions are not finite"):
        evaluate(run)
    assert (
        main(["evaluate", "--checkpoint-dir", str(run), "-o", str(tmp_path / "out"), "--json"]) == 1
    )
    line = one_error_line(capsys.readouterr().err)
    assert str(path) in line and "(NaN/inf weights?)" in line
    assert not (tmp_path / "out" / REPORT_FILE).exists()


def math_nan() -> float:
    return float("nan")


def test_markup_characters_in_paths_are_printed_as_they_are(
    groove_run: Path, tmp_path: Path, capsys
) -> None:
    run = copy_run(groove_run, tmp_path / "run[/b]")  # a folder "run[" holding "b]"
    out = tmp_path / "[best]"
    code = main(["evaluate", "--checkpoint-dir", str(run), "-o", str(out)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert f"evaluating {GROOVE} ({run / 'checkpoints'}" in " ".join(captured.err.split())
    assert f"report written to {out / REPORT_FILE}" in " ".join(captured.err.split())
    assert (out / REPORT_FILE).is_file()


@pytest.mark.parametrize(
    ("manifest", "problem"),
    [
        (["a"], "expected a JSON object"),
        ({"train": ["a"], "val": 5}, "'val' must be a list of song ids, got int"),
        ({"train": "abc", "val": ["synthetic-000001"]}, "'train' must be a list of song ids"),
    ],
)
def test_malformed_split_manifest_is_refused_naming_the_file(
    groove_run: Path, tmp_path: Path, capsys, manifest, problem
) -> None:
    run = copy_run(groove_run, tmp_path / "run")
    split = run / "splits" / f"{GROOVE}_split.json"
    split.write_text(json.dumps(manifest))
    with pytest.raises(DataError, match=f"split manifest {split} is corrupt: {problem}"):
        evaluate(run)
    assert main(["evaluate", "--checkpoint-dir", str(run), "-o", str(tmp_path / "out")]) == 1
    assert str(split) in one_error_line(capsys.readouterr().err)


def test_bad_options_are_refused_before_any_checkpoint_is_read(
    groove_run: Path, tmp_path: Path, capsys
) -> None:
    """A truncated checkpoint would fail with exit 1: these usage errors must come first."""
    run = copy_run(groove_run, tmp_path / "run")
    path = run / "checkpoints" / f"{GROOVE}_best.pt"
    path.write_bytes(path.read_bytes()[:100])
    assert (
        main(["evaluate", "--checkpoint-dir", str(run), "-o", str(tmp_path / "o")]) == 1
    )  # reading fails
    assert "truncated or corrupt" in one_error_line(capsys.readouterr().err)

    assert main(["evaluate", "--checkpoint-dir", str(run), "--data-format", "bogus"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1  # nothing was evaluated: no progress line either
    line = one_error_line(err)
    assert line == (
        "error: --data-format: 'bogus' is not one of auto, synthetic, deam, pmemo, folder, emopia, "
        "chords"
    )
    taken = tmp_path / "report.txt"
    taken.write_text("mine")
    for output, what in ((taken, "is a file"), (taken / "sub", f"is inside {taken}")):
        assert main(["evaluate", "--checkpoint-dir", str(run), "-o", str(output)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1
        line = one_error_line(err)
        assert line.startswith(f"error: --output: {output} {what}")
    assert taken.read_text() == "mine"


def _train_on_audio(corpus: Path, run: Path) -> None:
    args = ["train", "--data", str(corpus), "-m", "emotion", "-o", str(run), "--epochs", "1",
            "--seq-len", "8", "--batch-size", "16", "--device", "cpu", "--quiet"]  # fmt: skip
    assert main(args) == 0


def _cached(folder: Path) -> int:
    return len(list(folder.rglob("*.npy")))


def test_feature_cache_of_other_data_goes_beside_the_report(tmp_path: Path, capsys) -> None:
    corpus = make_audio_folder(tmp_path / "songs", n=4, seconds=1.0)
    run = tmp_path / "run"
    _train_on_audio(corpus, run)
    in_run = _cached(run / "cache" / "features")
    assert in_run == 4

    own = evaluate(run, output=tmp_path / "own")["models"]["emotionrecognizer"]
    assert any("4 file(s) from the cache" in n and str(run / "cache") in n for n in own["notes"])
    assert not (tmp_path / "own" / "cache").exists()  # the run's own data reuses the run's cache

    other = make_audio_folder(tmp_path / "other", n=3, seconds=1.2)
    out = tmp_path / "eval"
    entry = evaluate(run, output=out, data=other)["models"]["emotionrecognizer"]
    assert _cached(out / "cache" / "features") == 3
    assert any(f"cache: {out / 'cache' / 'features'}" in n for n in entry["notes"])
    assert _cached(run / "cache" / "features") == in_run  # the evaluated run is left alone

    shared = tmp_path / "shared"
    capsys.readouterr()
    code = main(["evaluate", "--checkpoint-dir", str(run), "-o", str(tmp_path / "e2"), "--data", str(other),
                 "--cache-dir", str(shared), "--json"])  # fmt: skip
    assert code == 0
    assert _cached(shared) == 3 and not (tmp_path / "e2" / "cache").exists()
