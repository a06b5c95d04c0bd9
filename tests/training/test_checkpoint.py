"""Checkpoints: round trip, safe loading, atomic writes, old-pipeline files, clear errors."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
import torch

from emotrain.errors import CheckpointError
from emotrain.io import atomic_torch_save, atomic_write_json
from emotrain.models import get_spec
from emotrain.training.checkpoint import load_checkpoint, load_model, spec_for_checkpoint


class _Evil:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _save_plain(path: Path, spec_name: str = "groovepredictor") -> dict:
    model = get_spec(spec_name).build()
    payload = {
        "epoch": 3,
        "model_state_dict": model.state_dict(),
        "optimizer_state_dict": {},
        "metrics": {"epochs": []},
        "model_name": spec_name,
        "rng": {"torch": torch.get_rng_state()},
        "config": {"models": [spec_name], "training": {"seed": 1}},
    }
    atomic_torch_save(path, payload)
    return payload


def test_round_trip_loads_with_weights_only(tmp_path):
    path = tmp_path / "c.pt"
    payload = _save_plain(path)
    ckpt = load_checkpoint(path)
    assert ckpt["epoch"] == 3 and ckpt["model_name"] == "groovepredictor"
    for k, v in payload["model_state_dict"].items():
        assert torch.equal(ckpt["model_state_dict"][k], v)
    model = load_model(path)
    assert not model.training
    assert model(torch.zeros(1, 2, 64)).shape == (1, 2, 32)


def test_pickled_code_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    torch.save({"model_state_dict": {}, "model_name": "groove", "x": _Evil(marker)}, path)
    with pytest.raises(CheckpointError, match="refusing to load"):
        load_checkpoint(path)
    assert not marker.exists()


@pytest.mark.parametrize("cut", [0, 10, 200, -50])
def test_truncated_checkpoint_names_the_file(tmp_path, cut):
    good = tmp_path / "good.pt"
    _save_plain(good)
    data = good.read_bytes()
    bad = tmp_path / "bad.pt"
    bad.write_bytes(data[:cut])
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(bad)
    assert str(bad) in str(info.value)


def test_not_a_checkpoint_and_missing_file(tmp_path):
    with pytest.raises(CheckpointError, match="not found"):
        load_checkpoint(tmp_path / "nope.pt")
    torch.save({"weights": torch.zeros(2)}, tmp_path / "x.pt")
    with pytest.raises(CheckpointError, match="not an emotrain checkpoint"):
        load_checkpoint(tmp_path / "x.pt")


def test_old_pipeline_checkpoint_with_other_key_names_loads(tmp_path):
    """The old scripts named layers fc1/lstm/fc2...; same layers, same order, so weights map."""
    spec = get_spec("emotion")
    ours = spec.build()
    names = [
        "fc1.weight",
        "fc1.bias",
        "fc2.weight",
        "fc2.bias",
        "lstm.weight_ih_l0",
        "lstm.weight_hh_l0",
        "lstm.bias_ih_l0",
        "lstm.bias_hh_l0",
        "fc3.weight",
        "fc3.bias",
    ]
    old_state = dict(zip(names, (v.clone() for v in ours.state_dict().values()), strict=True))
    path = tmp_path / "emotionrecognizer_best.pt"
    torch.save(
        {
            "epoch": 7,
            "model_state_dict": old_state,
            "optimizer_state_dict": {},
            "metrics": {"train_loss": [1.0, 0.5]},
            "model_name": "EmotionRecognizer",
        },
        path,
    )
    model = load_model(path)
    x = torch.randn(1, 3, 128)
    torch.testing.assert_close(model(x), ours.eval()(x), rtol=0, atol=0)


def test_other_architecture_is_refused_with_reason(tmp_path):
    path = tmp_path / "c.pt"
    melody_state = get_spec("melody").build().state_dict()
    torch.save({"model_state_dict": melody_state, "model_name": "groovepredictor"}, path)
    with pytest.raises(CheckpointError, match=r"do not fit groovepredictor|another architecture"):
        load_model(path)


def test_unknown_model_name_is_refused(tmp_path):
    path = tmp_path / "c.pt"
    torch.save({"model_state_dict": {}, "model_name": "wavenet"}, path)
    with pytest.raises(CheckpointError, match="wavenet"):
        spec_for_checkpoint(load_checkpoint(path), path)


def test_failed_write_leaves_previous_file_intact(tmp_path, monkeypatch):
    """A full disk midway through a write must not destroy the good checkpoint."""
    path = tmp_path / "latest.pt"
    _save_plain(path)
    before = path.read_bytes()

    real_fsync = os.fsync

    def full_disk(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError) as info:
        atomic_torch_save(path, {"model_state_dict": {}, "epoch": 99})
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert info.value.errno == errno.ENOSPC
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["latest.pt"]  # no temp file left behind


def test_json_writes_refuse_nan_before_touching_the_file(tmp_path):
    path = tmp_path / "h.json"
    atomic_write_json(path, {"a": 1})
    with pytest.raises(ValueError):
        atomic_write_json(path, {"a": float("nan")})
    assert path.read_text() == '{\n  "a": 1\n}\n'


def test_atomic_writes_get_normal_file_permissions(tmp_path):
    """mkstemp creates 0600 files; an export must be readable by a plugin host like any file."""
    import emotrain.io as eio

    fresh = tmp_path / "model.json"
    atomic_write_json(fresh, {"a": 1})
    plain = tmp_path / "plain.json"
    plain.write_text("{}")  # what open() gives under this process's umask
    assert fresh.stat().st_mode & 0o777 == plain.stat().st_mode & 0o777 == 0o666 & ~eio._UMASK
    kept = tmp_path / "kept.json"
    kept.write_text("{}")
    kept.chmod(0o640)
    atomic_write_json(kept, {"b": 2})
    assert kept.stat().st_mode & 0o777 == 0o640  # a replaced file keeps its mode


@pytest.mark.parametrize("content", [b"hello\n", b"\x80\x02}q\x00.", bytes(range(256)) * 20, b""])
def test_junk_files_are_not_checkpoints_and_not_called_unsafe(tmp_path, content):
    path = tmp_path / "junk.pt"
    path.write_bytes(content)
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(path)
    assert str(path) in str(info.value)
    assert "refusing" not in str(info.value)


def test_the_pickle_refusal_names_the_object_whole_without_torchs_advice(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"model_state_dict": {}, "model_name": "groove", "x": _Evil(tmp_path / "m")}, path)
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(path)
    message = str(info.value)
    assert "add_safe_globals" not in message and "safe_globals" not in message
    import re

    assert re.search(r"\((posix|nt)\.system\)", message), message  # what it calls, whole
    assert message.endswith("plain tensors and values")  # not cut mid-word
    assert "\n" not in message
