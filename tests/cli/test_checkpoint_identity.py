"""evaluate and export trust what a checkpoint records about itself, never its file name."""

from __future__ import annotations

import shutil

import pytest
import torch


@pytest.fixture
def misnamed(tiny_run, tmp_path):
    """A groove checkpoint saved under the emotion recognizer's name."""
    folder = tmp_path / "ckpts"
    folder.mkdir()
    target = folder / "emotionrecognizer_best.pt"
    shutil.copy(tiny_run / "checkpoints/groovepredictor_best.pt", target)
    return target


@pytest.mark.parametrize(
    "argv",
    [
        lambda f, out: ["evaluate", "--checkpoint-dir", f.parent, "-o", out, "--device", "cpu"],
        lambda f, out: ["export-rtneural", f.parent, "-o", out],
        lambda f, out: ["export-rtneural", f, "-o", out],
    ],
    ids=["evaluate", "export-folder", "export-file"],
)
def test_a_misnamed_checkpoint_is_refused(cli, misnamed, tmp_path, argv):
    result = cli(*argv(misnamed, tmp_path / "out"))
    assert result.code == 1, result.out
    errors = [line for line in result.err_lines if line.startswith("error:")]
    assert len(errors) == 1
    assert "its name says emotionrecognizer, but it holds a groovepredictor checkpoint" in errors[0]
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_a_checkpoint_whose_architecture_is_not_its_models_is_refused(cli, tiny_run, tmp_path):
    ckpt = torch.load(tiny_run / "checkpoints/groovepredictor_best.pt", weights_only=True)
    ckpt["architecture"][0]["in_features"] = 32  # and weights to match: a different network
    ckpt["model_state_dict"]["layers.0.weight"] = ckpt["model_state_dict"]["layers.0.weight"][
        :, :32
    ]
    path = tmp_path / "groovepredictor_best.pt"
    torch.save(ckpt, path)
    result = cli("export-rtneural", path, "-o", tmp_path / "out")
    assert result.code == 1
    assert "its recorded architecture is not the groovepredictor the plugin loads" in result.err


def test_a_correctly_named_copy_still_exports(cli, tiny_run, tmp_path):
    path = tmp_path / "groove_best.pt"  # an alias names the model too
    shutil.copy(tiny_run / "checkpoints/groovepredictor_best.pt", path)
    result = cli("export-rtneural", path, "-o", tmp_path / "out", "--no-verify")
    assert result.code == 0, result.err
    assert (tmp_path / "out/groovepredictor.json").is_file()
