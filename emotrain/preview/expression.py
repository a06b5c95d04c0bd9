"""Preview's reading of the dynamics and groove vectors: how hard and when each melody note plays.

The rules (docs/preview.md, "How the melody is played"):

- Velocity from dynamics: a note starting at step k plays at velocity
  clip(round(127 x loudness), 1, 127), where loudness is dynamics dimension 0 (mean velocity / 127
  of the last 2 s, docs/plugin-contract.md) at the frame step k reads.
- Timing from groove: step k is position k mod 16 of its bar (bars of 16 steps from the start of
  the file at --bpm); the note's start moves by timing x half a step, where timing is groove
  dimension 16 + (k mod 16) at the frame step k reads, rounded to ticks and kept within
  [-60, +59] ticks (a step is 120): the contract's range [-1, 1), so the played note snaps back to
  its own step by the groove's rule. Its end stays on the grid.
- Without the dynamics engine every note plays at the fixed velocity; without the groove
  predictor every note starts on the grid.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from emotrain.plugin.chain import SongOutputs
from emotrain.plugin.dynamics import INDEX, NAMES
from emotrain.plugin.groove import STEPS_PER_BAR
from emotrain.plugin.wiring import DYNAMICS, GROOVE
from emotrain.preview.decode import TICKS_PER_STEP, VELOCITY, Note


def note_velocities(notes: list[Note], song: SongOutputs) -> np.ndarray | None:
    """Each note's velocity from the dynamics engine's loudness; None without it."""
    if DYNAMICS not in song.outputs or not notes:
        return None
    steps = np.array([n.step for n in notes], dtype=np.int64)
    loudness = song.outputs[DYNAMICS][song.step_frame[steps], INDEX["loudness"]]
    return np.clip(np.round(127.0 * loudness.astype(np.float64)), 1, 127).astype(np.int64)


def note_offsets(notes: list[Note], song: SongOutputs) -> np.ndarray | None:
    """Each note's start offset in ticks from the groove predictor's micro-timing; None without it."""
    if GROOVE not in song.outputs or not notes:
        return None
    steps = np.array([n.step for n in notes], dtype=np.int64)
    dims = STEPS_PER_BAR + steps % STEPS_PER_BAR
    timing = song.outputs[GROOVE][song.step_frame[steps], dims].astype(np.float64)
    half = TICKS_PER_STEP // 2
    return np.clip(np.round(timing * half), -half, half - 1).astype(np.int64)


def mean_dynamics(song: SongOutputs) -> dict[str, float] | None:
    """The dynamics engine's mean output over the song's frames, by name; None without it."""
    if DYNAMICS not in song.outputs:
        return None
    mean = song.outputs[DYNAMICS].astype(np.float64).mean(axis=0)
    return {name: round(float(mean[i]), 6) for i, name in enumerate(NAMES)}


def describe(velocities: Any, offsets: Any) -> dict[str, str]:
    """How summary.json says the melody was played."""
    return {
        "velocity": "dynamics loudness" if velocities is not None else f"fixed {VELOCITY}",
        "timing": "groove micro-timing" if offsets is not None else "grid",
    }
