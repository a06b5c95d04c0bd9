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
from emotrain.models.catalog import get_spec, resolve_models
from emotrain.runs.paths import RunPaths
from emotrain.training.losses import loss_from_logits
from emotrain.training.model_trainer import GRAD_CLIP_NORM, ModelTrainer
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


def _trainer(spec, batch_size, samples, seq_len, epochs):
    config = RunConfig(
        models=(spec.name,),
        data=DataConfig(samples=samples, seq_len=seq_len),
        training=TrainingConfig(
            batch_size=batch_size, device="cpu", epochs=epochs, early_stopping_patience=epochs + 1
        ),
        output=tempfile.mkdtemp(),
    )
    seed = model_seed(config.training.seed, spec.name)
    data = make_synthetic(spec, samples, seq_len, seed)
    split = split_by_group(data.groups, 0.2, seed)
    return seed, ModelTrainer(
        spec,
        config,
        data,
        split,
        RunPaths(Path(config.output)),
        device=torch.device("cpu"),
        reporter=Reporter(),
    )


def bench(
    name: str, batch_size: int, samples: int, seq_len: int, repeats: int
) -> tuple[float, ...]:
    """Per-epoch seconds: emotrain's loop alone, emotrain's full epoch (with its checkpoint and
    history writes), and the bare loop."""
    spec = get_spec(name)
    seed, trainer = _trainer(spec, batch_size, samples, seq_len, repeats + 1)
    torch.manual_seed(0)
    model = spec.build()
    opt = torch.optim.Adam(model.parameters(), lr=5e-3)
    sides = (trainer.x_train, trainer.y_train, trainer.x_val, trainer.y_val)
    args = (*(side[:] for side in sides), batch_size, seed)  # plain tensors for the bare loop
    trainer._train_epoch(0)  # warm both up
    bare_epoch(spec, model, opt, *args, 0)
    _, full_run = _trainer(spec, batch_size, samples, seq_len, repeats + 1)
    full_run._train_epoch(0)  # the same warm-up the other two had
    full_run._save_latest()
    times: dict[str, list[float]] = {"loop": [], "bare": [], "full": []}

    def loop(epoch: int) -> None:
        trainer._train_epoch(epoch)
        trainer.validate()

    runs = {
        "loop": loop,
        "bare": lambda epoch: bare_epoch(spec, model, opt, *args, epoch),
        "full": lambda epoch: full_run.run_epoch(),  # + record, checkpoints, history
    }
    order = list(runs)
    # Interleave the three, rotating who goes first, so machine noise and order hit them alike.
    for epoch in range(1, repeats + 1):
        for key in order[epoch % 3 :] + order[: epoch % 3]:
            t0 = time.perf_counter()
            runs[key](epoch)
            times[key].append(time.perf_counter() - t0)
    full_run.writer.close()
    return tuple(statistics.median(times[k]) for k in ("loop", "full", "bare"))


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
    print(
        f"{'model':<20}{'bare s/ep':>10}{'emotrain loop':>15}{'ratio':>7}"
        f"{'emotrain full':>15}{'ratio':>7}"
    )
    for name in resolve_models(args.models.split(",")):
        loop, full, bare = bench(name, args.batch_size, args.samples, args.seq_len, args.repeats)
        print(
            f"{name:<20}{bare:>10.4f}{loop:>15.4f}{bare / loop:>7.3f}{full:>15.4f}{bare / full:>7.3f}"
        )
    print(
        "ratio = bare / emotrain (1.0: no overhead; goal >= 0.9). 'full' adds the per-epoch "
        "latest/best checkpoint and history writes (fsync'd) to the loop."
    )


if __name__ == "__main__":
    main()
