"""`emotrain export-rtneural` end to end, on checkpoints written here with torch.save."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from emotrain.models.catalog import get_spec
from emotrain.plugin.reference import ReferenceModel
from emotrain.training.checkpoint import FORMAT, architecture_dicts


def _emotrain_checkpoint(path: Path, name: str, *, seed: int = 0, **extra) -> Path:
    torch.manual_seed(seed)
    spec = get_spec(name)
    model = spec.build()
    payload = {
        "epoch": 5,
        "model_state_dict": model.state_dict(),
        "optimizer_state_dict": torch.optim.Adam(model.parameters()).state_dict(),
        "metrics": {"epochs": [{"epoch": 1, "val_loss": 0.5}]},
        "model_name": spec.name,
        "format": FORMAT,
        "format_version": 1,
        "emotrain_version": "0.1.0",
        "architecture": architecture_dicts(spec.layers),
        "best_epoch": 4,
        "best_val_loss": 0.25,
        "val_metrics": {"mae": 0.125, "rmse": float("nan")},
        "data_fingerprint": "sha256:feedface",
        "finished": True,
        **extra,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(payload, path)
    return path


def _old_checkpoint(path: Path) -> tuple[Path, torch.nn.Module]:
    """What the original scripts saved: five keys, their own layer names, an LSTM in the middle."""
    torch.manual_seed(3)
    model = get_spec("emotion").build()
    renamed = dict(
        zip(
            ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "lstm.weight_ih_l0",
             "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0", "fc3.weight", "fc3.bias"],
            model.state_dict().values(),
            strict=True,
        )
    )  # fmt: skip
    torch.save(
        {
            "epoch": 50,
            "model_state_dict": renamed,
            "optimizer_state_dict": {"state": {}, "param_groups": [{"lr": 0.001}]},
            "metrics": {"train_loss": [0.9, 0.5], "val_loss": [1.0, 0.6]},
            "model_name": "EmotionRecognizer",
        },
        path,
    )
    return path, model


def test_exports_an_emotrain_checkpoint_with_its_provenance(cli, tmp_path):
    ckpt = _emotrain_checkpoint(tmp_path / "groove.pt", "groove")
    out = tmp_path / "export"
    result = cli("export-rtneural", ckpt, "--output", out)
    assert result.code == 0, result.err
    path = out / "groovepredictor.json"
    assert "groovepredictor" in result.out and "max abs error" in result.out
    block = json.loads(path.read_text())["emotrain"]
    assert block["source_checkpoint"]["sha256"] == hashlib.sha256(ckpt.read_bytes()).hexdigest()
    assert block["source_checkpoint"]["written_by"] == "emotrain"
    assert block["data_fingerprint"] == "sha256:feedface"
    assert block["best_epoch"] == 4
    assert block["val_metrics"] == {
        "val_loss": 0.25,
        "mae": 0.125,
        "rmse": None,
    }  # NaN is not JSON: null
    assert block["verification"]["max_abs_error_float32"] < 1e-6

    again = cli("export-rtneural", ckpt, "-o", out)  # the same export again is fine
    assert again.code == 0 and "unchanged" in again.out


def test_exports_an_old_pipeline_checkpoint(cli, tmp_path):
    ckpt, model = _old_checkpoint(tmp_path / "emotion_model.pth")
    result = cli("export-rtneural", ckpt, "-o", tmp_path / "out")
    assert result.code == 0, result.err
    path = tmp_path / "out" / "emotionrecognizer.json"
    doc = json.loads(path.read_text())
    assert doc["emotrain"]["source_checkpoint"]["written_by"] == "original training scripts"
    assert doc["emotrain"]["source_checkpoint"]["epoch"] == 50
    seq = np.random.default_rng(0).standard_normal((10, 128)).astype(np.float32)
    with torch.no_grad():
        expected = model(torch.from_numpy(seq).unsqueeze(0)).squeeze(0).numpy()
    assert np.abs(ReferenceModel(path).run(seq) - expected).max() < 1e-6


def test_run_folder_uses_best_then_latest_checkpoints(cli, tmp_path):
    run = tmp_path / "run"
    _emotrain_checkpoint(run / "checkpoints" / "dynamicsengine_best.pt", "dynamics")
    _emotrain_checkpoint(run / "checkpoints" / "groovepredictor_latest.pt", "groove")
    result = cli("export-rtneural", run, "-o", run)
    assert result.code == 0, result.err
    assert (run / "dynamicsengine.json").is_file() and (run / "groovepredictor.json").is_file()
    assert "exported the latest checkpoint instead" in result.out
    assert "Exported 2 model(s)" in result.out

    only = cli("export-rtneural", run, "-o", tmp_path / "one", "--model", "dynamics")
    assert only.code == 0 and sorted(os.listdir(tmp_path / "one")) == [
        "dynamicsengine.golden", "dynamicsengine.h", "dynamicsengine.json",
    ]  # fmt: skip

    missing = cli("export-rtneural", run, "-o", tmp_path / "x", "--model", "melody")
    assert missing.code == 2 and "melodytransformer" in missing.err
    assert not (tmp_path / "x").exists()


def test_no_verify_still_writes_and_says_so(cli, tmp_path):
    ckpt = _emotrain_checkpoint(tmp_path / "d.pt", "dynamics")
    result = cli("export-rtneural", ckpt, "-o", tmp_path, "--no-verify")
    assert result.code == 0 and "not verified" in result.out
    doc = json.loads((tmp_path / "dynamicsengine.json").read_text())
    assert doc["emotrain"]["verification"] is None


def test_a_different_network_is_not_overwritten_without_overwrite(cli, tmp_path):
    first = _emotrain_checkpoint(tmp_path / "a.pt", "dynamics", seed=1)
    second = _emotrain_checkpoint(tmp_path / "b.pt", "dynamics", seed=2)
    out = tmp_path / "out"
    assert cli("export-rtneural", first, "-o", out).code == 0
    before = (out / "dynamicsengine.json").read_bytes()
    refused = cli("export-rtneural", second, "-o", out)
    assert refused.code == 1 and "--overwrite" in refused.err and len(refused.err_lines) == 1
    assert (out / "dynamicsengine.json").read_bytes() == before
    replaced = cli("export-rtneural", second, "-o", out, "--overwrite")
    assert replaced.code == 0 and (out / "dynamicsengine.json").read_bytes() != before


@pytest.mark.parametrize("tolerance", ["0", "-1", "nan", "inf"])
def test_bad_tolerance_is_a_usage_error(cli, tmp_path, tolerance):
    ckpt = _emotrain_checkpoint(tmp_path / "d.pt", "dynamics")
    result = cli("export-rtneural", ckpt, "-o", tmp_path / "o", "--tolerance", tolerance)
    assert result.code == 2 and "--tolerance" in result.err
    assert not (tmp_path / "o").exists()


def test_failing_verification_exits_1_and_writes_nothing(cli, tmp_path, monkeypatch):
    from emotrain.export import layouts

    def untransposed(m, act, label):  # the classic mistake: RTNeural loads it without complaint
        entries, size = real_dense(m, act, label)
        entries[0]["weights"][0] = entries[0]["weights"][0].T.reshape(
            entries[0]["weights"][0].shape
        )
        return entries, size

    real_dense = layouts._dense
    monkeypatch.setattr(layouts, "_dense", untransposed)
    ckpt = _emotrain_checkpoint(tmp_path / "d.pt", "dynamics")
    result = cli("export-rtneural", ckpt, "-o", tmp_path / "o")
    assert result.code == 1 and "does not compute what PyTorch computes" in result.err
    assert "layout mistake" in result.err
    assert len(result.err_lines) == 1 and not (tmp_path / "o" / "dynamicsengine.json").exists()


def test_a_tiny_tolerance_still_accepts_float32_rounding(cli, tmp_path):
    """--tolerance bounds the error relative to the output scale, but rounding as large as
    PyTorch's own float32 error is never a failure (it used to be: the check was wrong)."""
    ckpt = _emotrain_checkpoint(tmp_path / "d.pt", "dynamics")
    result = cli("export-rtneural", ckpt, "-o", tmp_path / "o", "--tolerance", "1e-15")
    assert result.code == 0, result.err
    check = json.loads((tmp_path / "o" / "dynamicsengine.json").read_text())["emotrain"]
    check = check["verification"]
    assert 0 < check["max_abs_error_float32"] <= check["float32_bound"]
    assert check["float32_bound"] == pytest.approx(100 * check["torch_float32_error"], rel=1e-9)


def test_missing_source_is_a_usage_error(cli, tmp_path):
    result = cli("export-rtneural", tmp_path / "nope.pt", "-o", tmp_path / "o")
    assert result.code == 2
    assert result.err_lines == [
        f"error: SOURCE: no such checkpoint file or run folder: {tmp_path / 'nope.pt'}"
    ]


def test_corrupt_checkpoint_exits_1(cli, tmp_path):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint at all")
    result = cli("export-rtneural", bad, "-o", tmp_path / "o")
    assert result.code == 1 and "corrupt" in result.err and len(result.err_lines) == 1


def test_non_finite_checkpoint_weights_are_refused(cli, tmp_path):
    torch.manual_seed(0)
    model = get_spec("dynamics").build()
    state = model.state_dict()
    state["layers.2.weight"][3, 3] = float("inf")
    ckpt = tmp_path / "inf.pt"
    torch.save({"model_state_dict": state, "model_name": "dynamicsengine"}, ckpt)
    result = cli("export-rtneural", ckpt, "-o", tmp_path / "o")
    assert result.code == 1 and "layers.2" in result.err and "non-finite" in result.err
    assert not (tmp_path / "o" / "dynamicsengine.json").exists()


class _Payload:
    """Unpickling this would create a folder: the marker that code ran."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (str(self.marker),))


def test_a_checkpoint_that_would_run_code_is_refused_without_running_it(cli, tmp_path):
    marker = tmp_path / "code_ran"
    ckpt = tmp_path / "evil.pt"
    torch.save(
        {"model_state_dict": {}, "model_name": "dynamicsengine", "x": _Payload(marker)}, ckpt
    )
    result = cli("export-rtneural", ckpt, "-o", tmp_path / "o")
    assert result.code == 1 and "refusing to load" in result.err
    assert not marker.exists()
    assert not (tmp_path / "o").exists()


def test_model_option_must_match_a_checkpoint_file(cli, tmp_path):
    ckpt = _emotrain_checkpoint(tmp_path / "d.pt", "dynamics")
    result = cli("export-rtneural", ckpt, "-o", tmp_path / "o", "--model", "groove")
    assert result.code == 2 and "holds dynamicsengine" in result.err


def test_the_command_module_does_not_import_torch():
    code = "import sys, emotrain.cli.export; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_run_folder_with_old_script_file_names_exports(cli, tmp_path):
    """The same search as `evaluate`: old scripts' names like GroovePredictor_best.pth are found."""
    old = tmp_path / "old"
    _emotrain_checkpoint(old / "GroovePredictor_best.pth", "groove")
    result = cli("export-rtneural", old, "-o", tmp_path / "out")
    assert result.code == 0, result.err
    assert (tmp_path / "out" / "groovepredictor.json").is_file()
