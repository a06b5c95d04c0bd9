"""One emotrain epoch against a bare PyTorch loop doing the same steps, measured in one run.

Both sides train the same model on the same tensors with the same optimizer, loss, gradient clipping,
batch order and validation pass. The ratio printed is bare time / emotrain time: 1.0 means emotrain
adds nothing, the goal is >= 0.9. Run: python bench/bench_train.py [--models emotion,melody] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch

from emotrain.config import DataConfig, RunConfig, TrainingConfig, model_seed
from emotrain.data.split import split_by_group
from emotrain.data.synthetic import make_synthetic
from emotrain.models.registry import get_spec, resolve_models
from emotrain.training.model_trainer import GRAD_CLIP_NORM, ModelTrainer
from emotrain.training.objectives import loss_from_logits
from emotrain.training.paths import RunPaths
from emotrain.training.progress import Reporter


def bare_epoch(spec, model, opt, x, y, xv, yv, bs, seed, epoch):
    order = torch.randperm(x.shape[0], generator=torch.Generator().manual_seed(seed + epoch))
    model.train()
    for start in range(0, x.shape[0], bs):
        idx = order[start : start + bs]
        opt.zero_grad(set_to_none=True)
        loss = loss_from_logits(spec, model(x[idx], logits=True), y[idx])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP_NORM)
        opt.step()
    model.eval()
    with torch.no_grad():
        total = 0.0
        for start in range(0, xv.shape[0], 256):
            logits = model(xv[start : start + 256], logits=True)
            total += (
                float(loss_from_logits(spec, logits, yv[start : start + 256])) * logits.shape[0]
            )
            model._act_modules[-1](logits)
    return total


def bench(
    name: str, batch_size: int, samples: int, seq_len: int, repeats: int
) -> tuple[float, float]:
    spec = get_spec(name)
    config = RunConfig(
        models=(spec.name,),
        data=DataConfig(samples=samples, seq_len=seq_len),
        training=TrainingConfig(batch_size=batch_size, device="cpu"),
        output=tempfile.mkdtemp(),
    )
    seed = model_seed(config.training.seed, spec.name)
    data = make_synthetic(spec, samples, seq_len, seed)
    split = split_by_group(data.groups, 0.2, seed)
    trainer = ModelTrainer(
        spec,
        config,
        data,
        split,
        RunPaths(Path(config.output)),
        device=torch.device("cpu"),
        reporter=Reporter(),
    )
    torch.manual_seed(0)
    model = spec.build()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    ours, bare = [], []
    for epoch in range(1, repeats + 2):  # the first round warms up both
        t0 = time.perf_counter()
        trainer._train_epoch(epoch)
        trainer.validate()
        t1 = time.perf_counter()
        bare_epoch(
            spec,
            model,
            opt,
            trainer.x_train,
            trainer.y_train,
            trainer.x_val,
            trainer.y_val,
            batch_size,
            seed,
            epoch,
        )
        t2 = time.perf_counter()
        if epoch > 1:
            ours.append(t1 - t0)
            bare.append(t2 - t1)
    return statistics.median(ours), statistics.median(bare)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", default="emotion,melody")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--samples", type=int, default=512)
    parser.add_argument("--seq-len", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, batch {args.batch_size}, "
        f"{args.samples} x {args.seq_len} frames, median of {args.repeats} epochs"
    )
    print(f"{'model':<20}{'emotrain s/epoch':>18}{'bare s/epoch':>15}{'ratio bare/emotrain':>22}")
    for name in resolve_models(args.models.split(",")):
        ours, bare = bench(name, args.batch_size, args.samples, args.seq_len, args.repeats)
        print(f"{name:<20}{ours:>18.4f}{bare:>15.4f}{bare / ours:>22.3f}")


if __name__ == "__main__":
    main()
