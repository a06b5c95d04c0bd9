"""What `compare` suggests and says about synthetic data, and where `plot` and `compare` write."""

from __future__ import annotations

import shlex
from pathlib import Path

from tests.evaluation.evalruns import write_run

CKPT = Path("checkpoints") / "groovepredictor_best.pt"


def test_two_synthetic_runs_get_the_hint_that_works_and_items(cli, tmp_path, monkeypatch):
    a = write_run(tmp_path / "a", "groovepredictor", samples=24, seq_len=4)
    b = write_run(tmp_path / "b", "groovepredictor", samples=40, seq_len=4)
    refused = cli("compare", a / CKPT, b / CKPT, "-o", tmp_path / "x")
    assert refused.code == 2 and "--data-format synthetic" in refused.err
    assert "songs" not in refused.err
    hinted = refused.err.split("give ")[1].split(" to compare")[0]  # "--data-format synthetic"
    monkeypatch.chdir(tmp_path)
    done = cli("compare", a / CKPT, b / CKPT, *shlex.split(hinted), "-o", tmp_path / "y")
    assert done.code == 0, done.err
    assert "over 24 items" in done.out and "songs" not in done.out
    assert "comparison written to" in done.err


def test_plot_of_several_runs_does_not_write_into_compares_folder(
    cli, tiny_run, tmp_path, monkeypatch
):
    import shutil

    for name in ("r1", "r2"):
        shutil.copytree(tiny_run, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    r = cli("plot", "r1", "r2", "-m", "groove")
    assert r.code == 0, r.err
    assert not (tmp_path / "comparison").exists()  # `compare`'s default folder
    assert (tmp_path / "plots-compared" / "groovepredictor_loss.png").is_file()


def test_compare_of_a_file_with_itself_says_the_bytes_are_the_same(cli, tmp_path):
    a = write_run(tmp_path / "a", "groovepredictor", samples=24, seq_len=4)
    r = cli("compare", a / CKPT, a / CKPT, "-o", tmp_path / "x")
    assert r.code == 0, r.err
    assert "A and B are the same bytes" in r.out
    import json

    report = json.loads((tmp_path / "x" / "comparison.json").read_text())
    assert report["same_bytes"] is True and report["notes"][0].startswith("A and B are the same")
