"""Built-in synthetic data that a network can actually learn, at the plugin's sizes.

The old scripts trained on independent noise, so there was nothing to learn. Here every target is a
fixed function of the inputs (the "teacher", seeded by the model's name, so it is the same task for
every `--seed`), and inputs are smooth random trajectories whose samples depend on `--seed`. The
recurrent models' targets depend on the past of the sequence, so their LSTMs have something to carry.
"""

from __future__ import annotations

import math
import zlib

import torch

from emotrain.data.base import DataReport, SequenceData
from emotrain.models.spec import ModelSpec


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(int(seed) % (2**63))


def smooth_noise(g: torch.Generator, n: int, t: int, d: int, rho: float) -> torch.Tensor:
    """AR(1) trajectories with unit variance: consecutive frames are correlated like real features."""
    eps = torch.randn(n, t, d, generator=g)
    out = torch.empty(n, t, d)
    out[:, 0] = eps[:, 0]
    scale = math.sqrt(1.0 - rho * rho)
    for step in range(1, t):
        out[:, step] = rho * out[:, step - 1] + scale * eps[:, step]
    return out


def causal_ema(x: torch.Tensor, alpha: float) -> torch.Tensor:
    """Exponential moving average over time from a zero state: a target only a recurrent net can fit."""
    out = torch.empty_like(x)
    state = torch.zeros_like(x[:, 0])
    for step in range(x.shape[1]):
        state = (1 - alpha) * state + alpha * x[:, step]
        out[:, step] = state
    return out


def _gains(g: torch.Generator, d: int) -> torch.Tensor:
    return 0.6 + 0.4 * torch.rand(d, generator=g)


def emotion_embedding(
    valence: torch.Tensor, arousal: torch.Tensor, g: torch.Generator
) -> torch.Tensor:
    """The contract's 64-d embedding: dims 0-31 follow valence, 32-63 arousal, all in [-1, 1]."""
    gv, ga = _gains(g, 32), _gains(g, 32)
    return torch.cat([valence.unsqueeze(-1) * gv, arousal.unsqueeze(-1) * ga], dim=-1).clamp(-1, 1)


def _teacher(seed: int, n_in: int, n_out: int, hidden: int = 64):
    g = _generator(seed)
    w1 = torch.randn(n_in, hidden, generator=g) / math.sqrt(n_in)
    w2 = torch.randn(hidden, n_out, generator=g) / math.sqrt(hidden)
    b2 = 0.3 * torch.randn(n_out, generator=g)

    def f(x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(x @ w1 * 1.5) @ w2 * 1.5 + b2

    return f


def _emotion(g, tg, n, t):
    x = smooth_noise(g, n, t, 128, rho=0.8)
    w = torch.randn(128, 2, generator=tg) / math.sqrt(128)
    drive = causal_ema(x @ w, alpha=0.35) * 2.0
    valence, arousal = torch.tanh(drive[..., 0]), torch.tanh(drive[..., 1])
    return x, emotion_embedding(valence, arousal, tg)


def _melody(g, tg, n, t):
    va = torch.tanh(1.5 * smooth_noise(g, n, t, 2, rho=0.9))
    valence, arousal = va[..., 0], va[..., 1]
    x = (emotion_embedding(valence, arousal, tg) + 0.05 * torch.randn(n, t, 64, generator=g)).clamp(
        -1, 1
    )
    # Root pitch follows valence; major or minor triad by its sign; a melody note above it rises or
    # falls with the arousal trend (the difference to the previous step: the LSTM's job).
    root = (48 + torch.round((valence + 1) * 6)).long()
    third = root + torch.where(valence >= 0, 4, 3)
    fifth = root + 7
    trend = torch.diff(arousal, dim=1, prepend=arousal[:, :1])
    lead = root + 12 + torch.where(trend > 0, 7, torch.where(trend < 0, 4, 0))
    y = torch.zeros(n, t, 128)
    for notes in (root, third, fifth, lead):
        y.scatter_(2, notes.unsqueeze(-1), 1.0)
    return x, y


def _harmony(g, tg, n, t):
    va = torch.tanh(1.5 * smooth_noise(g, n, t, 2, rho=0.9))
    emb = emotion_embedding(va[..., 0], va[..., 1], tg)
    audio = smooth_noise(g, n, t, 64, rho=0.8)
    x = torch.cat([emb, audio], dim=-1)
    logits = _teacher(zlib.crc32(b"harmony"), 128, 64)(x)
    return x, torch.softmax(logits * 1.5, dim=-1)


def _dynamics(g, tg, n, t):
    x = torch.tanh(1.5 * smooth_noise(g, n, t, 32, rho=0.9))
    return x, torch.sigmoid(_teacher(zlib.crc32(b"dynamics"), 32, 16)(x))


def _groove(g, tg, n, t):
    va = torch.tanh(1.5 * smooth_noise(g, n, t, 2, rho=0.9))
    x = emotion_embedding(va[..., 0], va[..., 1], tg) + 0.1 * torch.randn(n, t, 64, generator=g)
    return x, torch.tanh(_teacher(zlib.crc32(b"groove"), 64, 32)(x))


_MAKERS = {
    "emotionrecognizer": _emotion,
    "melodytransformer": _melody,
    "harmonypredictor": _harmony,
    "dynamicsengine": _dynamics,
    "groovepredictor": _groove,
}


def make_synthetic(spec: ModelSpec, samples: int, seq_len: int, seed: int) -> SequenceData:
    """`samples` sequences of `seq_len` frames; each sequence is its own item in the split."""
    g = _generator(seed * 7919 + zlib.crc32(spec.name.encode()))
    teacher_g = _generator(zlib.crc32(("teacher:" + spec.name).encode()))
    x, y = _MAKERS[spec.name](g, teacher_g, samples, seq_len)
    groups = [f"synthetic-{i:06d}" for i in range(samples)]
    report = DataReport(source="synthetic", detected_format="synthetic", items_used=samples)
    if spec.name in ("harmonypredictor", "dynamicsengine", "groovepredictor"):
        report.notes.append(
            "synthetic: the targets are a random teacher function of random inputs, the right "
            "shapes and no music"
        )
    desc = f"synthetic: {samples} sequences x {seq_len} frames"
    return SequenceData(x.float().contiguous(), y.float().contiguous(), groups, desc, report)
