"""The typed checkpoint: the one place that knows the file's keys; our files and the old scripts'
read and write back key for key."""

from __future__ import annotations

import ast
from pathlib import Path

import torch

from emotrain.models.normalization import CHECKPOINT_KEY
from emotrain.runs.checkpoint import FORMAT, Checkpoint
from emotrain.training.checkpoint import load_checkpoint, read_checkpoint, spec_for_checkpoint

ROOT = Path(__file__).resolve().parents[2] / "emotrain"
OLD_SCRIPTS = {
    "epoch": 12,
    "model_state_dict": {"fc.weight": torch.ones(2, 2)},
    "optimizer_state_dict": {},
    "metrics": {"train_loss": [0.9, 0.5], "val_loss": [1.0, 0.7]},
    "model_name": "Emotion_Recognizer",
}


def _same(a, b) -> bool:
    if torch.is_tensor(a):
        return torch.is_tensor(b) and torch.equal(a, b)
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def test_our_files_round_trip_key_for_key(tiny_run):
    for kind in ("best", "latest"):
        raw = load_checkpoint(tiny_run / f"checkpoints/groovepredictor_{kind}.pt")
        named = Checkpoint.from_dict(raw)
        assert named.is_ours and named.written_by == "emotrain" and not named.untrained
        assert named.model() == "groovepredictor" and named.extra == {}
        assert _same(named.to_dict(), raw)  # the same keys in the same order, the same values
        assert CHECKPOINT_KEY in raw and named.normalization is raw[CHECKPOINT_KEY]
        assert type(raw["status"]) is str


def test_the_old_scripts_files_read_through_the_one_adapter(tmp_path):
    named = Checkpoint.from_dict(dict(OLD_SCRIPTS))
    assert not named.is_ours and named.format is None
    assert named.written_by == "original training scripts" and named.format_label == "old-pipeline"
    assert named.model() == "emotionrecognizer"
    assert named.old_scripts_metrics() == {"train_loss": 0.5, "val_loss": 0.7}
    assert not named.untrained  # their epochs are counted their own way
    assert not named.has("config") and named.config is None
    assert _same(named.to_dict(), OLD_SCRIPTS)  # nothing of ours is added on the way back
    assert list(named.record(finished=True).to_dict()) == [*OLD_SCRIPTS, "finished"]
    path = tmp_path / "old.pt"
    torch.save(OLD_SCRIPTS, path)
    assert read_checkpoint(path).model_name == "Emotion_Recognizer"
    assert spec_for_checkpoint(OLD_SCRIPTS).name == "emotionrecognizer"


def test_unknown_keys_are_kept_and_an_untrained_file_is_ours_at_epoch_zero():
    named = Checkpoint.from_dict({**OLD_SCRIPTS, "format": FORMAT, "epoch": 0, "later": 1})
    assert named.extra == {"later": 1} and named.to_dict()["later"] == 1
    assert named.untrained


def test_no_module_but_the_checkpoint_type_spells_its_keys():
    keys = {
        "model_state_dict", "optimizer_state_dict", "scheduler_state_dict", "validation_frames",
        "stream_state", "emotrain-checkpoint", CHECKPOINT_KEY,
    }  # fmt: skip
    allowed = {ROOT / "runs/checkpoint.py", ROOT / "models/normalization.py"}
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        if path in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in keys:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}")
    assert found == []
