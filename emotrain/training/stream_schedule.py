"""Stateful training's schedule: which training window each parallel stream reads at each step.

The plugin never resets between songs, so the recurrent networks also learn from a live set: each
of the batch's parallel streams reads whole songs window after window (windows are the corpus's
non-overlapping sequences, in the order the corpus lists them), one song after another in a seeded
random order, with the LSTM state carried over (and detached: truncated backpropagation through
time). At seeded random steps a stream's state is zeroed, so a model also starts well from a reset.
The whole schedule of an epoch is two tensors built once; the loop only indexes them.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

#: `--stream-training` choices: `windows` runs every window from a zero state (the old way);
#: `stateful` carries the state from window to window as described above; `auto` (the default)
#: is each network's measured best (its spec's `auto_stream_training`, docs/train.md "Which mode
#: by default").
STREAM_MODES = ("auto", "windows", "stateful")
#: On average one reset per this many windows of a stream (16-frame windows: ~12 s of audio).
RESET_EVERY = 24


def resolve_stream_mode(mode: str, name: str, recurrent: bool) -> str:
    """The mode one network trains in: `auto` decided per network; dense networks have no state
    to carry and always read windows. Recorded per model, so a resume never re-decides it."""
    if not recurrent:
        return "windows"
    if mode == "auto":
        from emotrain.models.catalog import get_spec

        return get_spec(name).auto_stream_training
    return mode


@dataclass(frozen=True)
class StreamSchedule:
    index: torch.Tensor  # (steps, streams) long: rows of the training side
    reset: torch.Tensor  # (steps, streams) bool: zero this stream's state before the step

    @property
    def steps(self) -> int:
        return int(self.index.shape[0])


def group_ids(groups: list[str], rows: list[int]) -> torch.Tensor:
    """Song number of each training row (setup only: one pass over the row list)."""
    numbers: dict[str, int] = {}
    return torch.tensor(
        [numbers.setdefault(groups[r], len(numbers)) for r in rows], dtype=torch.long
    )


def stream_schedule(
    songs: torch.Tensor, streams: int, generator: torch.Generator, reset_every: int = RESET_EVERY
) -> StreamSchedule:
    """Songs in a random order, each song's windows in corpus order, cut into `streams` equal runs.

    The last run is completed with the first windows of the order (one more song join), so every
    window is read at least once per epoch and every step has a full batch.
    """
    n = int(songs.shape[0])
    streams = max(1, min(streams, n))
    rank = torch.randperm(int(songs.max()) + 1, generator=generator)
    order = torch.argsort(rank[songs] * n + torch.arange(n), stable=True)
    steps = -(-n // streams)
    pad = steps * streams - n
    if pad:
        order = torch.cat([order, order[:pad]])
    index = order.view(streams, steps).t().contiguous()
    reset = torch.rand((steps, streams), generator=generator) < (1.0 / reset_every)
    return StreamSchedule(index=index, reset=reset)
