"""One epoch of stateful training: truncated backpropagation through time over parallel streams.

Kept apart from the trainer's lifecycle (model_trainer.py) so that the epoch loop of the two modes
can change without touching set-up, checkpoints or the loop over epochs. `self` is the
ModelTrainer; its `stream_state` (each stream's LSTM state) goes in and comes out, and is saved
with every checkpoint.
"""

from __future__ import annotations

from typing import Any

import torch

from emotrain.training.chain_inputs import last_valence_arousal, perturb
from emotrain.training.losses import loss_from_logits
from emotrain.training.stream_schedule import stream_schedule


def train_stateful_epoch(self: Any, epoch: int, interrupted: type[Exception]) -> float:
    """Truncated backpropagation through time over parallel streams (training/stream_schedule.py)."""
    gen = torch.Generator().manual_seed(self.seed + epoch)
    plan = stream_schedule(self.train_songs, self.config.training.batch_size, gen)
    index, keep = plan.index.to(self.device), (~plan.reset).to(self.device)
    streams = int(index.shape[1])
    noise = torch.Generator().manual_seed(self.seed + epoch + 2**31)
    songs = self.train_songs.to(self.device)
    last_va = None
    state = self.stream_state
    if state is None or int(state[0].shape[1]) != streams:
        state = self.model.zero_state(streams, self.device)
    self.model.train()
    total = torch.zeros((), device=self.device)
    params = list(self.model.parameters())
    for step in range(plan.steps):
        if self.stop_event.is_set():
            raise interrupted
        idx = index[step]
        mask = keep[step].view(1, -1, 1).to(state[0].dtype)
        state = tuple(s * mask for s in state)
        xb, yb = self.x_train[idx], self.y_train[idx]
        if self.chain_inputs:
            glide = None
            if step:  # the song changed in this stream without a reset: a transition
                glide = (songs[idx] != songs[index[step - 1]]) & keep[step]
            xb = perturb(xb, noise, previous=last_va, changed=glide)
            last_va = last_valence_arousal(xb)
        self.optimizer.zero_grad(set_to_none=True)
        out, state = self.model.stream(xb, state, logits=True)
        loss = loss_from_logits(self.spec, out, yb)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, self.config.training.grad_clip_norm)
        self.optimizer.step()
        state = tuple(s.detach() for s in state)
        total += loss.detach() * streams
        self.reporter.batch_done(loss.detach())
    self.stream_state = state
    return float(total) / (plan.steps * streams)
