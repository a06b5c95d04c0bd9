"""Where the networks come from: a shipped (locked) folder, a registry alias, missing or bad files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np


def _summary(out: Path, stem: str) -> dict:
    return json.loads((out / stem / "summary.json").read_text())


def test_shipped_folder_and_registry_alias_run_the_locked_files(trained, cli, tmp_path) -> None:
    registry, shipped = tmp_path / "registry", tmp_path / "plugin" / "models"
    for run in trained.runs.values():
        assert cli("registry", "add", run, "--registry", registry).code == 0
    for name in ("emotion", "melody", "harmony", "dynamics", "groove"):
        done = cli("registry", "promote", f"{name}@1", "--alias", "shipped", "--registry", registry)
        assert done.code == 0, done.err
    assert (
        cli("registry", "ship", "--to", shipped, "--alias", "shipped", "--registry", registry).code
        == 0
    )
    song = trained.songs[2]

    result = cli("preview", song, "--models", shipped, "-o", tmp_path / "shipped", "--json")
    assert result.code == 0, result.err
    report = json.loads(result.out)  # --json: the report alone on stdout
    nets = report["songs"][0]["summary"]["models"]["networks"]
    assert report["models"]["kind"] == "shipped"
    lock = json.loads((shipped / "models.lock.json").read_text())["models"]
    for name, net in nets.items():
        assert net["version"] == f"{name}@1" and net["lock_entry"] == lock[name]
        assert net["sha256"] == lock[name]["sha256"]

    by_alias = cli("preview", song, "--registry", registry, "--alias", "shipped",
                   "-o", tmp_path / "alias")  # fmt: skip
    assert by_alias.code == 0, by_alias.err
    assert (
        _summary(tmp_path / "alias", "q2")["models"]["networks"]["melodytransformer"]["version"]
        == "melodytransformer@1"
    )
    for name in ("emotion.csv", "melody.mid", "outputs.npz"):
        a = (tmp_path / "shipped" / "q2" / name).read_bytes()
        assert a == (tmp_path / "alias" / "q2" / name).read_bytes(), name

    # a file changed after shipping is not the approved set: refused before anything runs
    target = shipped / "harmonypredictor.json"
    target.write_text(target.read_text().replace("[", "[ ", 1))
    tampered = cli("preview", song, "--models", shipped, "-o", tmp_path / "tampered")
    assert tampered.code == 1
    assert "harmonypredictor.json" in tampered.err and "models.lock.json" in tampered.err
    assert len(tampered.err_lines) == 1 and not (tmp_path / "tampered").exists()


def test_a_model_exported_with_another_tolerance_previews_the_same(trained, cli, tmp_path) -> None:
    ckpt = trained.runs["emotion"] / "checkpoints" / "emotionrecognizer_best.pt"
    folder = tmp_path / "loose"
    assert cli("export-rtneural", ckpt, "-o", folder, "--tolerance", "1e-3").code == 0
    result = cli("preview", trained.songs[4], "--models", folder, "-o", tmp_path / "out")
    assert result.code == 0, result.err
    ours = (tmp_path / "out" / "q4" / "emotion.csv").read_text()
    same = cli("preview", trained.songs[4], "--models", trained.models, "-o", tmp_path / "ref")
    assert same.code == 0
    assert ours == (tmp_path / "ref" / "q4" / "emotion.csv").read_text()


def test_missing_or_broken_networks_fall_back_and_the_rest_runs(trained, cli, tmp_path) -> None:
    folder = tmp_path / "partial"
    folder.mkdir()
    shutil.copy(trained.models / "emotionrecognizer.json", folder)
    (folder / "melodytransformer.json").write_text('{"layers": [')  # cut short by a bad copy
    harmony = json.loads((trained.models / "harmonypredictor.json").read_text())
    (folder / "groovepredictor.json").write_text(json.dumps(harmony))  # the wrong network's file
    harmony["emotrain"]["feature_recipe"] = "whole-file log-mel of an older emotrain"
    (folder / "harmonypredictor.json").write_text(json.dumps(harmony))  # runs, with a warning
    result = cli("preview", trained.songs[1], "--models", folder, "-o", tmp_path / "out")
    assert result.code == 0, result.err
    assert "melodytransformer" in result.err and "heuristics" in result.err
    summary = _summary(tmp_path / "out", "q1")
    nets = summary["models"]["networks"]
    assert nets["emotionrecognizer"]["status"] == nets["harmonypredictor"]["status"] == "loaded"
    assert "older emotrain" in nets["harmonypredictor"]["warning"]
    assert "warning: harmonypredictor" in result.err
    for name in ("melodytransformer", "dynamicsengine", "groovepredictor"):
        assert nets[name]["status"] == "heuristics" and nets[name]["problem"], name
    assert "does not parse" in nets["melodytransformer"]["problem"]
    assert "the plugin feeds 64" in nets["groovepredictor"]["problem"]
    assert summary["melody"] is None and not (tmp_path / "out" / "q1" / "melody.mid").exists()
    with np.load(tmp_path / "out" / "q1" / "outputs.npz") as npz:
        assert "harmonypredictor" in npz.files and "melodytransformer" not in npz.files
    assert (tmp_path / "out" / "q1" / "emotion.png").is_file()


def test_a_folder_with_no_model_is_an_error(trained, cli, tmp_path) -> None:
    (tmp_path / "empty").mkdir()
    result = cli("preview", trained.songs[1], "--models", tmp_path / "empty", "-o", tmp_path / "o")
    assert result.code == 2
    assert len(result.err_lines) == 1 and "no usable model" in result.err
    assert not (tmp_path / "o").exists()
