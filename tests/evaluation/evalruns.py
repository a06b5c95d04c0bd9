"""Tiny run folders written the way `emotrain train` writes them, so evaluation is tested on real
files independently of the trainer; and checkpoints as the original scripts saved them."""

from __future__ import annotations

from pathlib import Path

import torch

from emotrain.config import DataConfig, RunConfig, TrainingConfig, model_seed
from emotrain.data.sources import load_data
from emotrain.data.split import split_by_group, write_manifest
from emotrain.io import atomic_write_json
from emotrain.models.catalog import get_spec
from emotrain.training.checkpoint import architecture_dicts, save_checkpoint

SEED = 7


def fit_briefly(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, steps: int) -> None:
    """A few full-batch Adam steps on MSE of the outputs: enough to beat a constant baseline.

    One thread: on a busy 2-core machine, torch's second thread makes tiny steps ~20x slower.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        torch.manual_seed(0)
        opt = torch.optim.Adam(model.parameters(), lr=3e-3)
        for _ in range(steps):
            opt.zero_grad()
            loss = torch.nn.functional.mse_loss(model(x), y)
            loss.backward()
            opt.step()
    finally:
        torch.set_num_threads(threads)
    model.eval()


def write_run(
    root: Path, name: str, *, samples: int = 24, seq_len: int = 6, train_steps: int = 0
) -> Path:
    """A run folder: run_config.json, splits/<name>_split.json and checkpoints/<name>_best.pt."""
    spec = get_spec(name)
    cfg = RunConfig(
        models=(spec.name,),
        data=DataConfig(samples=samples, seq_len=seq_len, validation_split=0.25),
        training=TrainingConfig(seed=SEED, epochs=1),
        output=str(root),
    )
    seed = model_seed(SEED, spec.name)
    data = load_data(spec, cfg.data, seed, output_dir=root)
    split = split_by_group(data.groups, cfg.data.validation_split, seed)
    manifest = split.manifest(spec.name, SEED, cfg.data.validation_split, "sequence")
    write_manifest(root / "splits" / f"{spec.name}_split.json", manifest)
    atomic_write_json(root / "run_config.json", cfg.to_dict())
    torch.manual_seed(seed)
    model = spec.build()
    if train_steps:
        idx = torch.tensor(split.train_index)
        fit_briefly(model, data.inputs[idx], data.targets[idx], train_steps)
    payload = {
        "epoch": 1,
        "model_state_dict": model.state_dict(),
        "optimizer_state_dict": {},
        "metrics": {},
        "model_name": spec.name,
        "format": "emotrain-checkpoint",
        "format_version": 1,
        "architecture": architecture_dicts(spec.layers),
        "config": cfg.to_dict(),
        "data_fingerprint": data.fingerprint(),
        "split": manifest,
        "best_epoch": 1,
        "finished": True,
    }
    save_checkpoint(root / "checkpoints" / f"{spec.name}_best.pt", payload)
    return root


def old_pipeline_checkpoint(path: Path, name: str, model_name: str | None = None) -> Path:
    """What the original scripts saved: five keys, layers named fc1/fc2/..., a dict of lists."""
    spec = get_spec(name)
    torch.manual_seed(1)
    state = spec.build().state_dict()
    renamed = {}
    for i, (key, value) in enumerate(state.items()):
        kind = key.rsplit(".", 1)[-1]
        renamed[f"fc{i // 2 + 1}.{kind}" if "lstm" not in key else f"lstm.{kind}"] = value
    torch.save(
        {
            "epoch": 30,
            "model_state_dict": renamed,
            "optimizer_state_dict": {"state": {}, "param_groups": []},
            "metrics": {"train_loss": [0.5, 0.4], "val_loss": [0.6, 0.5]},
            "model_name": model_name or spec.name,
        },
        path,
    )
    return path
