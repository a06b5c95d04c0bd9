"""Run `emotrain` in this process and SIGKILL it inside a chosen trial's epoch (fault injection).

Usage: python kill_tune.py SIGNAL TRIAL EPOCH -- emotrain arguments...
SIGNAL is KILL (die at once) or INT (what Ctrl-C sends). TRIAL counts the trials this process
trains (0 = the first); the signal comes after the third batch of EPOCH, so the latest checkpoint
on disk is the one of an earlier epoch. PAUSE instead touches $EMOTRAIN_TEST_GATE.reached there and
waits for $EMOTRAIN_TEST_GATE.go (a test does something to the world meanwhile).
"""

from __future__ import annotations

import os
import signal
import sys
import time


def main() -> None:
    pause = sys.argv[1] == "PAUSE"
    signum = None if pause else getattr(signal, f"SIG{sys.argv[1]}")
    trial, epoch = int(sys.argv[2]), int(sys.argv[3])
    args = sys.argv[sys.argv.index("--") + 1 :]

    import emotrain.training.model_trainer as mt

    state = {"trainers": -1, "batches": 0}
    real_init, real_epoch = mt.ModelTrainer.__init__, mt.ModelTrainer._train_epoch
    real_loss = mt.loss_from_logits

    def init(self, *a, **k):
        state["trainers"] += 1
        real_init(self, *a, **k)

    def train_epoch(self, e):
        state["epoch"], state["batches"] = e, 0
        return real_epoch(self, e)

    def loss(spec, logits, target):
        if state["trainers"] == trial and state.get("epoch") == epoch:
            state["batches"] += 1
            if state["batches"] == 3 and pause:
                gate = os.environ["EMOTRAIN_TEST_GATE"]
                open(gate + ".reached", "w").close()
                while not os.path.exists(gate + ".go"):
                    time.sleep(0.02)
            elif state["batches"] == 3:
                sys.stdout.flush()
                os.kill(os.getpid(), signum)
        return real_loss(spec, logits, target)

    mt.ModelTrainer.__init__ = init
    mt.ModelTrainer._train_epoch = train_epoch
    mt.loss_from_logits = loss

    from emotrain.cli import main as cli_main

    sys.exit(cli_main(args))


if __name__ == "__main__":
    main()
