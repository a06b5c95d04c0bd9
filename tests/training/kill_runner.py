"""Run `emotrain` in this process and SIGKILL ourselves at a chosen point (fault injection for tests).

Usage: python kill_runner.py POINT EPOCH -- emotrain arguments...
POINT is one of:
  mid-epoch      during the training batches of EPOCH (after its third batch)
  after-latest   right after the latest checkpoint of EPOCH is on disk
  mid-write      halfway through writing the latest checkpoint of EPOCH (temp file half written)
  after-best     right after the best checkpoint of EPOCH is on disk, before latest is written
  before-export  after the first model's last checkpoint, before its export (EPOCH is ignored)
"""

from __future__ import annotations

import os
import signal
import sys


def die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def main() -> None:
    point, epoch = sys.argv[1], int(sys.argv[2])
    args = sys.argv[sys.argv.index("--") + 1 :]

    import emotrain.io as eio
    import emotrain.training.checkpoint as ckpt_mod
    import emotrain.training.model_trainer as mt

    if point == "before-export":  # the last checkpoint is written; the export is not
        import emotrain.training.trainer as trainer_mod

        def finish(*args, **kwargs):
            die()

        trainer_mod._finish = finish
    elif point == "mid-epoch":
        real = mt.loss_from_logits
        state = {"calls": 0}
        original_train_epoch = mt.ModelTrainer._train_epoch

        def train_epoch(self, e):
            state["epoch"] = e
            state["calls"] = 0
            return original_train_epoch(self, e)

        def loss(spec, logits, target):
            if state.get("epoch") == epoch:
                state["calls"] += 1
                if state["calls"] == 3:
                    die()
            return real(spec, logits, target)

        mt.ModelTrainer._train_epoch = train_epoch
        mt.loss_from_logits = loss
        import emotrain.training.stateful_epoch as se

        se.loss_from_logits = loss  # --stream-training stateful's epoch
    else:
        real_save = ckpt_mod.save_checkpoint
        real_write = eio.atomic_write_bytes

        def save(path, payload, **kwargs):
            kind = "best" if str(path).endswith("_best.pt") else "latest"
            if point == "mid-write" and kind == "latest" and payload.get("epoch") == epoch:

                def half_write(p, data):
                    # Write half of the temp file like a real crash would, then die.
                    tmp = os.path.join(os.path.dirname(p), f".{os.path.basename(p)}.crash.tmp")
                    with open(tmp, "wb") as fh:
                        fh.write(data[: len(data) // 2])
                        fh.flush()
                        os.fsync(fh.fileno())
                    die()

                eio.atomic_write_bytes = half_write
                ckpt_mod.atomic_write_bytes = half_write
            out = real_save(path, payload, **kwargs)
            eio.atomic_write_bytes = real_write
            ckpt_mod.atomic_write_bytes = real_write
            if payload.get("epoch") == epoch and (
                (point == "after-latest" and kind == "latest")
                or (point == "after-best" and kind == "best")
            ):
                die()
            return out

        mt.save_checkpoint = save

    from emotrain.cli import main as cli_main

    sys.exit(cli_main(args))


if __name__ == "__main__":
    main()
