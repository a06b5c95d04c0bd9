"""What every data source hands the trainer: whole tensors of sequences, plus who each one belongs to.

The trainer never knows where data came from. A source (synthetic, DEAM, PMEmo, EMOPIA, a folder)
returns a `SequenceData`; `groups` names the song (or item) of every sequence so that the split can
keep all sequences of one song on one side.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import torch


def shown_name(path: Path, root: Path) -> str:
    """How a report names a corpus file: relative to the corpus root, else its whole path."""
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


@dataclass
class SkippedItem:
    item: str
    reason: str


@dataclass
class DataReport:
    """What a source could not use, and why: shown to the user, and an error under --strict."""

    source: str
    detected_format: str | None = None
    items_used: int = 0
    skipped: list[SkippedItem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def skip(self, item: str, reason: str) -> None:
        self.skipped.append(SkippedItem(item, reason))


@dataclass
class SequenceData:
    inputs: torch.Tensor  # (N, T, in_features) float32
    targets: torch.Tensor  # (N, T, out_features) float32
    groups: list[str]  # len N: the song/item id that must not straddle the split
    description: str
    report: DataReport

    def __post_init__(self) -> None:
        n = self.inputs.shape[0]
        if self.targets.shape[:2] != self.inputs.shape[:2] or len(self.groups) != n:
            raise ValueError(
                f"inconsistent data: inputs {tuple(self.inputs.shape)}, "
                f"targets {tuple(self.targets.shape)}, {len(self.groups)} group ids"
            )

    def __len__(self) -> int:
        return int(self.inputs.shape[0])

    def fingerprint(self) -> str:
        """SHA-256 of the exact tensors and grouping: a changed corpus is detected on resume."""
        h = hashlib.sha256()
        for t in (self.inputs, self.targets):
            h.update(str(tuple(t.shape)).encode())
            # the tensor's own memory, not a bytes copy of it: a corpus's inputs can be GBs
            h.update(memoryview(t.detach().cpu().contiguous().numpy()).cast("B"))
        h.update("\n".join(self.groups).encode())
        return h.hexdigest()


class SequenceRows:
    """Some sequences (rows) of a dataset tensor, read by index when asked for: the trainer's
    training and validation sides without a copy of either (at corpus scale a copy is GBs).

    `rows[idx]` (a tensor or a slice of positions) gathers those rows; `rows[i, ...]` reads one.
    """

    def __init__(self, tensor: torch.Tensor, index: torch.Tensor):
        self.tensor = tensor
        self.index = index.to(device=tensor.device, dtype=torch.long)

    @property
    def shape(self) -> torch.Size:
        return torch.Size((self.index.shape[0], *self.tensor.shape[1:]))

    def __len__(self) -> int:
        return int(self.index.shape[0])

    def __getitem__(self, key):
        if isinstance(key, tuple):
            first, *rest = key
            if isinstance(first, int):
                return self.tensor[(int(self.index[first]), *rest)]
            return self.tensor[self.index[first]][(slice(None), *rest)]
        if isinstance(key, int):
            return self.tensor[int(self.index[key])]
        return self.tensor[self.index[key]]

    def frame_chunks(self, chunk: int):
        """Consecutive (<= chunk, features) blocks of the rows' frames, in order, gathered a few
        sequences at a time: the frames of `tensor[index].reshape(-1, features)` in the same
        blocks as slicing that copy would give."""
        steps = self.tensor.shape[1]
        total = len(self) * steps
        for start in range(0, total, chunk):
            stop = min(start + chunk, total)
            first, last = start // steps, (stop - 1) // steps + 1
            frames = self.tensor[self.index[first:last]].reshape(-1, self.tensor.shape[-1])
            yield frames[start - first * steps : stop - first * steps]
