"""Compare test helpers: two runs of one configuration, trained on the real labels or on the same
labels shuffled across sequences (a model that can learn nothing about its inputs)."""

from __future__ import annotations

from pathlib import Path

import torch

from emotrain.config import RunConfig, model_seed
from emotrain.data.sources import load_data
from emotrain.data.split import split_by_group
from emotrain.models.catalog import get_spec
from emotrain.training.checkpoint import save_checkpoint
from tests.evaluation.evalruns import SEED, fit_briefly, write_run

SAMPLES, SEQ_LEN, STEPS = 48, 4, 150


def trained_run(root: Path, *, shuffle: bool, name: str = "groovepredictor") -> Path:
    """A run folder whose best checkpoint was fitted on its training split (synthetic data, whose
    targets are a fixed function of the inputs), or on that split with its targets permuted."""
    write_run(root, name, samples=SAMPLES, seq_len=SEQ_LEN)
    path = root / "checkpoints" / f"{name}_best.pt"
    ckpt = torch.load(path, weights_only=True)
    spec = get_spec(name)
    config = RunConfig.from_dict(ckpt["config"])
    seed = model_seed(SEED, spec.name)
    data = load_data(spec, config.data, seed, output_dir=root)
    train = torch.tensor(
        split_by_group(data.groups, config.data.validation_split, seed).train_index
    )
    targets = data.targets[train]
    if shuffle:
        targets = targets[torch.randperm(len(train), generator=torch.Generator().manual_seed(1))]
    torch.manual_seed(seed)
    model = spec.build()
    fit_briefly(model, data.inputs[train], targets, STEPS)
    save_checkpoint(path, {**ckpt, "model_state_dict": model.state_dict()})
    return root
