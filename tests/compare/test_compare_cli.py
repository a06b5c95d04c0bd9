"""`emotrain compare A B` end to end: checkpoints, exports, registry versions, verdicts, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.compare.conftest import trained_run
from tests.evaluation.evalruns import write_run
from tests.registry.conftest import export_file

CKPT = Path("checkpoints") / "groovepredictor_best.pt"


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("compare")
    return trained_run(root / "good", shuffle=False), trained_run(root / "shuffled", shuffle=True)


def _report(result) -> dict:
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_a_model_against_itself_is_equivalent(cli, runs, tmp_path):
    good, _ = runs
    out = tmp_path / "cmp"
    report = _report(cli("compare", good / CKPT, good / CKPT, "-o", out, "--json"))
    assert report["verdict"] == "equivalent"
    assert {r["figure"] for r in report["figures"]} == {"mse", "mae"}
    for row in report["figures"]:
        assert row["diff"] == 0 and row["ci_low"] == 0 and row["ci_high"] == 0
        assert row["p_holm"] == 1.0 and row["verdict"] == "equivalent"
    assert report["bootstrap"]["unit"] == "item" and report["bootstrap"]["n_resamples"] >= 2000
    assert report["bootstrap"]["n_songs"] == 12  # the run's validation split
    assert json.loads((out / "comparison.json").read_text())["verdict"] == "equivalent"
    assert (out / "comparison_intervals.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_trained_beats_shuffled_labels_and_not_the_other_way(cli, runs, tmp_path):
    good, shuffled = runs
    report = _report(cli("compare", shuffled / CKPT, good / CKPT, "-o", tmp_path / "a", "--json",
                         "--require-better"))  # fmt: skip
    assert report["verdict"] == "better", report["figures"]
    for row in report["figures"]:  # B (trained) has the lower error, by far more than the margin
        assert row["verdict"] == "better" and row["ci_high"] < -row["margin"]
        assert row["p_holm"] < 0.05
    worse = cli("compare", good / CKPT, shuffled / CKPT, "-o", tmp_path / "c", "--require-better")
    assert worse.code == 1 and "B is worse" in worse.err and len(worse.err_lines) == 2


def test_exported_file_and_registry_version_run_through_the_interpreter(cli, runs, tmp_path):
    """The export computes what its checkpoint computes (to float32 rounding): equivalent; and a
    registry version is found by NAME@N and by alias."""
    good, shuffled = runs
    reg = tmp_path / "reg"
    assert cli("registry", "add", good, "--registry", reg).code == 0
    assert cli("registry", "add", shuffled, "--registry", reg).code == 0
    assert cli("registry", "promote", "groove@2", "--alias", "shipped", "--registry", reg).code == 0
    report = _report(cli("compare", good / CKPT, "groove@1", "--registry", reg,
                         "-o", tmp_path / "a", "--json"))  # fmt: skip
    assert report["verdict"] == "equivalent" and report["b"]["kind"] == "registry"
    assert all(abs(r["diff"]) < 1e-5 for r in report["figures"])
    report = _report(cli("compare", "groove@shipped", "groove@1", "--registry", reg,
                         "-o", tmp_path / "b", "--json"))  # fmt: skip
    assert report["verdict"] == "better" and report["n_sequences"] == 12

    # promote --require-better runs the same comparison against the alias's holder.
    refused = cli("registry", "promote", "groove@2", "--alias", "best", "--registry", reg)
    assert refused.code == 0
    no = cli("registry", "promote", "groove@2", "--alias", "shipped", "--require-better",
             "--registry", reg)  # fmt: skip
    assert no.code == 0  # the holder itself: nothing to compare, nothing changes
    assert cli("registry", "promote", "groove@1", "--alias", "best", "--require-better",
               "--registry", reg).code == 0  # fmt: skip
    bad = cli("registry", "promote", "groove@2", "--alias", "best", "--require-better",
              "--registry", reg)  # fmt: skip
    assert bad.code == 1 and "refusing to promote groovepredictor@2" in bad.err
    holder = _report(cli("registry", "show", "groove@best", "--registry", reg, "--json"))
    assert holder["version"] == "groovepredictor@1"


def test_refusals_are_one_line(cli, runs, tmp_path):
    good, _ = runs
    ckpt = good / CKPT
    dyn = export_file(tmp_path / "d.json", "dynamics")
    few = write_run(tmp_path / "few", "groovepredictor", samples=12, seq_len=4)
    h1 = export_file(tmp_path / "h1.json", "harmony")
    h2 = export_file(tmp_path / "h2.json", "harmony", seed=2, feature_recipe="64 mel bands")
    cases = (
        ((ckpt, dyn), 2, "compare two versions of the same network"),
        ((few / CKPT, few / CKPT), 1, "the data has 3 song(s)"),
        ((h1, h2), 2, "different audio features"),
        ((ckpt, ckpt, "--resamples", "500"), 2, "--resamples: at least 2000"),
        ((ckpt, ckpt, "--margin", "mae=-1"), 2, "--margin"),
        ((ckpt, ckpt, "--margin", "f1=0.1"), 2, "not a figure of groovepredictor"),
        ((ckpt, "groove@1", "--registry", tmp_path / "none"), 1, "no registry at"),
        ((ckpt, tmp_path / "missing.pt"), 2, "no such checkpoint or exported file"),
    )
    for args, code, text in cases:
        result = cli("compare", *args, "-o", tmp_path / "out")
        assert result.code == code and text in result.err, (args, result.err)
        assert len(result.err_lines) == 1 and "Traceback" not in result.err


def test_different_runs_need_data_given(cli, runs, tmp_path):
    good, _ = runs
    other = write_run(tmp_path / "other", "groovepredictor", samples=40, seq_len=4)
    refused = cli("compare", good / CKPT, other / CKPT, "-o", tmp_path / "a")
    assert refused.code == 2 and "give --data" in refused.err
    report = _report(cli("compare", good / CKPT, other / CKPT, "--data-format", "synthetic",
                         "--seed", "3", "-o", tmp_path / "b", "--json"))  # fmt: skip
    assert report["n_sequences"] == 48 and report["bootstrap"]["n_songs"] == 48
