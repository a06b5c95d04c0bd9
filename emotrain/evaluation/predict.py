"""A checkpoint over the windowed sequences: each window from a zero state, as training sees them.

The streamed runs (whole songs, state carried) are in whole_songs.py.
"""

from __future__ import annotations

from typing import Any


def predict(model: Any, inputs: Any, *, batch_size: int = 256, device: Any = "cpu") -> Any:
    """Run the network over (N, T, F) sequences in batches, each from a zero recurrent state."""
    import torch

    outputs = []
    with torch.no_grad():
        for start in range(0, inputs.shape[0], batch_size):
            batch = inputs[start : start + batch_size].to(device)
            outputs.append(model(batch).to("cpu", torch.float64))
    return torch.cat(outputs, dim=0)
