"""The folded input standardization: the JSON on raw frames computes what `load_model()` computes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from emotrain.export.rtneural import export_checkpoint
from emotrain.models.catalog import MODEL_NAMES, get_spec
from emotrain.models.network import count_parameters
from emotrain.plugin.reference import ReferenceModel, load_document
from emotrain.training.checkpoint import (
    FORMAT,
    architecture_dicts,
    load_checkpoint,
    load_model,
    save_checkpoint,
)

TINY = ["--samples", "24", "--seq-len", "4", "--batch-size", "8", "--device", "cpu", "--quiet"]


def _raw_scale(features: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Statistics like log-mel dB's: means around -33, spreads from 2 to 20."""
    g = torch.Generator().manual_seed(seed)
    mean = -33 + 10 * torch.randn(features, generator=g)
    std = 2 + 18 * torch.rand(features, generator=g)
    return mean, std


def _checkpoint(path: Path, name: str, *, stats: bool = True) -> Path:
    torch.manual_seed(3)
    spec = get_spec(name)
    model = spec.build()
    payload = {
        "epoch": 1,
        "model_state_dict": model.state_dict(),
        "model_name": spec.name,
        "format": FORMAT,
        "architecture": architecture_dicts(spec.layers),
    }
    if stats:
        mean, std = _raw_scale(spec.in_features, 5)
        payload["input_normalization"] = {"mean": mean, "std": std, "frames": 1000}
    save_checkpoint(path, payload)
    return path


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_json_on_raw_frames_equals_load_model(tmp_path, name) -> None:
    spec = get_spec(name)
    ckpt = _checkpoint(tmp_path / f"{name}.pt", name)
    result = export_checkpoint(ckpt, tmp_path / "out")
    doc = load_document(result.path.read_text())
    mean, std = _raw_scale(spec.in_features, 5)
    frames = mean + std * torch.randn(
        24, spec.in_features, generator=torch.Generator().manual_seed(9)
    )
    model = load_model(ckpt)
    with torch.no_grad():
        want = model(frames[None])[0].double().numpy()
    got = ReferenceModel(doc, np.float32).run(frames.numpy())
    assert np.abs(got - want).max() < 1e-5
    # Without the fold the same file would be far off: the statistics really are in the weights.
    model.normalization.load_checkpoint_entry(None)
    with torch.no_grad():
        unfolded = model(frames[None])[0].double().numpy()
    assert np.abs(got - unfolded).max() > 1e-2
    # The plugin's exact layer list and parameter count.
    n_weights = sum(np.asarray(w).size for layer in doc["layers"] for w in layer["weights"])
    lstm_extra = sum(4 * layer["shape"][-1] for layer in doc["layers"] if layer["type"] == "lstm")
    assert n_weights + lstm_extra == spec.parameters == count_parameters(model)
    assert [layer["type"] for layer in doc["layers"]] == [
        "dense" if s.kind == "dense" else "lstm" for s in spec.layers
    ]
    verification = doc["emotrain"]["verification"]
    assert verification["random_inputs"].startswith("training mean")


def test_a_checkpoint_without_statistics_loads_as_identity(tmp_path) -> None:
    ckpt = _checkpoint(tmp_path / "old.pt", "groove", stats=False)
    model = load_model(ckpt)
    assert model.normalization.is_identity
    result = export_checkpoint(ckpt, tmp_path / "out")
    doc = json.loads(result.path.read_text())
    block = doc["emotrain"]
    kernel = np.asarray(doc["layers"][0]["weights"][0], np.float32)
    assert np.array_equal(kernel, model.layers[0].weight.detach().numpy().T)  # nothing folded
    assert "input_standardization" not in block
    assert block["verification"]["random_inputs"] == "N(0, 1)"


def test_bad_statistics_are_one_line(tmp_path, cli) -> None:
    ckpt = _checkpoint(tmp_path / "bad.pt", "groove")
    payload = load_checkpoint(ckpt)
    payload["input_normalization"]["std"] = torch.zeros(64)
    save_checkpoint(ckpt, payload)
    result = cli("export-rtneural", ckpt, "-o", tmp_path / "out")
    assert result.code == 1 and "input_normalization" in result.err
    assert len(result.err_lines) == 1


def test_lr_1_run_finishes_with_all_three_exports(cli, tmp_path) -> None:
    """The issue's repro: the layouts were right, the old absolute 1e-5 check was wrong."""
    out = tmp_path / "run"
    result = cli("train", "-m", "harmony,dynamics,groove", "--lr", "1", "--epochs", "10",
                 "-o", out, *TINY)  # fmt: skip
    assert result.code == 0, result.err
    for name in ("harmonypredictor", "dynamicsengine", "groovepredictor"):
        verification = json.loads((out / f"{name}.json").read_text())["emotrain"]["verification"]
        assert verification["max_abs_error_float64"] <= verification["float64_bound"]


def test_a_failed_export_does_not_stop_the_run(cli, tmp_path, monkeypatch) -> None:
    from emotrain.export import layouts

    real_dense = layouts._dense

    def broken_for_dynamics(m, act, label):  # an untransposed kernel, in dynamics' last layer only
        entries, size = real_dense(m, act, label)
        if m.out_features == 16:
            kernel = entries[0]["weights"][0]
            entries[0]["weights"][0] = np.ascontiguousarray(kernel[::-1])
        return entries, size

    monkeypatch.setattr(layouts, "_dense", broken_for_dynamics)
    out = tmp_path / "run"
    result = cli("train", "-m", "dynamics,groove", "--epochs", "2", "-o", out, *TINY)
    assert result.code == 1
    assert "export_failed" in result.out and "layout mistake" in result.err
    assert result.err_lines[-1].startswith("error: dynamicsengine:")
    assert not (out / "dynamicsengine.json").exists()
    assert (out / "groovepredictor.json").exists()
    for f in ("checkpoints/dynamicsengine_best.pt", "history/dynamicsengine_history.json",
              "plots/dynamicsengine_loss.png"):  # fmt: skip
        assert (out / f).exists(), f
