"""`--tolerance` means one thing: a file `export-rtneural` accepted, `registry add` accepts too."""

from __future__ import annotations

import json

import numpy as np
import pytest


@pytest.fixture(scope="module")
def exported(tiny_run, tmp_path_factory):
    """The groove export of the shared tiny run, with what its verification recorded."""
    from emotrain.cli import main

    out = tmp_path_factory.mktemp("export")
    assert main(["export-rtneural", str(tiny_run), "-o", str(out), "-m", "groove"]) == 0
    path = out / "groovepredictor.json"
    return path, json.loads(path.read_text(encoding="utf-8"))


def _nudged(doc: dict, by: float, where) -> str:
    """The file with one stored test output moved by `by`: a replay error of about `by`."""
    nudged = json.loads(json.dumps(doc))
    outputs = nudged["emotrain"]["test_vectors"]["outputs"]
    outputs[0][0] = float(np.float32(outputs[0][0] + by))
    path = where / "groovepredictor.json"
    path.write_text(json.dumps(nudged), encoding="utf-8")
    return path


def test_registry_add_allows_what_the_export_rule_allows(cli, exported, tmp_path):
    _, doc = exported
    recorded = doc["emotrain"]["verification"]
    tolerance = recorded["torch_float32_error"] / 10  # the rounding clause decides the bound
    bound = 100 * recorded["torch_float32_error"]  # export's bound at this tolerance (scale 1)
    assert recorded["output_scale"] == 1.0 and bound > 2 * tolerance
    inside = _nudged(doc, (tolerance + bound) / 2, tmp_path)  # above the tolerance, within bound
    result = cli("registry", "add", inside, "--registry", tmp_path / "reg",
                 "--tolerance", str(tolerance))  # fmt: skip
    assert result.code == 0, result.err  # was refused: the tolerance was an absolute bound here


def test_registry_add_still_refuses_a_changed_file(cli, exported, tmp_path):
    _, doc = exported
    outside = _nudged(doc, 1e-2, tmp_path)
    result = cli("registry", "add", outside, "--registry", tmp_path / "reg")
    assert result.code == 1
    assert "does not reproduce its own test vectors" in result.err
    assert "as in export-rtneural" in result.err
