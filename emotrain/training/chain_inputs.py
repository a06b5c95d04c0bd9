"""The melody's inputs as the chain gives them: a recognizer's output, not a corpus label.

In the plugin the melody reads the emotion recognizer's embedding, which is never an exact quadrant
centre: it is scaled (a confident or a timid recognizer), jitters from frame to frame, drifts
slowly inside a song, and takes a few hundred milliseconds to move from one song's emotion to the
next. `--melody-inputs recognizer-like` trains the melody on label embeddings perturbed that way
(valence and arousal are perturbed, then embedded again by the contract's own functions), drawn
from the epoch's seeded generator, so a resumed epoch draws the very same noise.
"""

from __future__ import annotations

import numpy as np
import torch

from emotrain.plugin.embedding import emotion_embedding, valence_arousal

MELODY_INPUT_MODES = ("labels", "recognizer-like")
#: Per-window factor on valence and arousal (a recognizer over- or under-shoots the label).
SCALE = (0.7, 1.4)
#: Standard deviation of the per-frame jitter.
JITTER = 0.08
#: Standard deviation of the drift reached at a window's last frame (a linear ramp from 0).
DRIFT = 0.15
#: Steps (sixteenths: 125 ms at 120 bpm) over which a new song's emotion is reached in a stream.
TRANSITION_STEPS = 3


def perturb(
    x: torch.Tensor,
    generator: torch.Generator,
    *,
    previous: torch.Tensor | None = None,
    changed: torch.Tensor | None = None,
) -> torch.Tensor:
    """(B, T, 64) label embeddings -> the same perturbed; `previous` (B, 2) valence/arousal the
    stream last read and `changed` (B,) bool where the song changed since: those glide over."""
    b, t, _ = x.shape
    v, a = valence_arousal(x.detach().cpu().numpy())
    va = torch.from_numpy(np.stack([v, a], -1)).float()
    scale = SCALE[0] + (SCALE[1] - SCALE[0]) * torch.rand((b, 1, 2), generator=generator)
    ramp = torch.linspace(0.0, 1.0, t).view(1, t, 1)
    drift = torch.randn((b, 1, 2), generator=generator) * DRIFT * ramp
    jitter = torch.randn((b, t, 2), generator=generator) * JITTER
    va = va * scale + drift + jitter
    if previous is not None and changed is not None:
        w = ((torch.arange(t) + 1.0) / (TRANSITION_STEPS + 1)).clamp(max=1.0).view(1, t, 1)
        glide = w * va + (1 - w) * previous.cpu().view(b, 1, 2)
        va = torch.where(changed.cpu().view(b, 1, 1), glide, va)
    out = torch.from_numpy(emotion_embedding(va.clamp(-1, 1).numpy()))
    return out.to(device=x.device, dtype=x.dtype)


def last_valence_arousal(x: torch.Tensor) -> torch.Tensor:
    """(B, T, 64) -> (B, 2): what each stream read last, the start of a glide."""
    v, a = valence_arousal(x[:, -1].detach().cpu().numpy())
    return torch.from_numpy(np.stack([v, a], -1)).float()
