"""`registry diff` of a resumed run against an uninterrupted one: the same weights, no 'models'."""

from __future__ import annotations

import json

from tests.conftest import TINY


def test_diff_of_a_resumed_and_an_uninterrupted_run_reports_no_model_list(cli, tmp_path):
    a, b, reg = tmp_path / "a", tmp_path / "b", tmp_path / "reg"
    assert cli("train", "-m", "groove,dynamics", "--epochs", "2", "-o", a, *TINY).code == 0
    assert cli("train", "-m", "groove,dynamics", "--epochs", "1", "-o", b, *TINY).code == 0
    assert cli("resume", b, "--epochs", "2", "--quiet").code == 0
    for run in (a, b):
        assert cli("registry", "add", run, "-m", "groove", "--registry", reg).code == 0
    diff = cli("registry", "diff", "groove@1", "groove@2", "--registry", reg, "--json")
    assert diff.code == 0, diff.err
    found = json.loads(diff.out)
    keys = {row["key"] for row in found["config"]}
    assert keys == {"output"}, found["config"]  # the folders differ; the models and weights do not
    assert all(row["b_minus_a"] == 0 for row in found["val_metrics"])
    text = cli("registry", "diff", "groove@1", "groove@2", "--registry", reg)
    assert "models:" not in text.out
