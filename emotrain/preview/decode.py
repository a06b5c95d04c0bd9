"""Note probabilities per sixteenth step -> one melody line, by a documented, seeded rule.

The melody transformer gives 128 independent probabilities per step (it is trained on piano rolls
with a sigmoid per note), not a choice. The rule (docs/preview.md):

- `top1`: each step plays its most probable note; `sample`: each step draws one note among those at
  or above `min_prob`, with chances proportional to their probabilities, from
  `numpy.random.default_rng(seed)` (one generator per song, so a song's notes do not depend on
  which songs came before it).
- A step whose most probable note is below `min_prob` is a rest.
- The same note on consecutive steps is one held note (the piano rolls mark a held note in every
  step it sounds), so a sustained pitch is not re-struck every sixteenth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DECODE_RULES = ("top1", "sample")
TICKS_PER_QUARTER = 480
TICKS_PER_STEP = TICKS_PER_QUARTER // 4
VELOCITY = 80
NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


def note_name(pitch: int) -> str:
    """Scientific pitch notation: MIDI 60 is C4."""
    return f"{NOTE_NAMES[pitch % 12]}{pitch // 12 - 1}"


@dataclass(frozen=True)
class Note:
    step: int  # first step
    steps: int  # how many steps it is held
    pitch: int


def step_pitches(probs: np.ndarray, rule: str, min_prob: float, seed: int) -> np.ndarray:
    """(steps,) MIDI pitch per step, -1 for a rest."""
    if rule not in DECODE_RULES:
        raise ValueError(f"decode rule must be one of {DECODE_RULES}, got {rule!r}")
    p = np.asarray(probs, dtype=np.float64)
    best = p.argmax(axis=1) if p.size else np.zeros(0, np.int64)
    sounding = p.max(axis=1) >= min_prob if p.size else np.zeros(0, bool)
    if rule == "top1":
        pitches = best
    else:
        rng = np.random.default_rng(seed)
        eligible = np.where(p >= min_prob, p, 0.0)
        total = eligible.sum(axis=1, keepdims=True)
        cdf = np.cumsum(eligible / np.where(total > 0, total, 1.0), axis=1)
        draws = rng.random(p.shape[0])[:, None]
        pitches = np.minimum((cdf < draws).sum(axis=1), p.shape[1] - 1)
        pitches = np.where(total[:, 0] > 0, pitches, best)
    return np.where(sounding, pitches, -1).astype(np.int64)


def notes_of(pitches: np.ndarray) -> list[Note]:
    """Runs of the same pitch become held notes; rests (-1) end them."""
    notes: list[Note] = []
    if pitches.size == 0:
        return notes
    change = np.flatnonzero(np.diff(pitches) != 0) + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change, [pitches.size]])
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        pitch = int(pitches[start])
        if pitch >= 0:
            notes.append(Note(start, end - start, pitch))
    return notes


def midi_bytes(
    notes: list[Note],
    bpm: float,
    velocities: np.ndarray | None = None,
    offsets: np.ndarray | None = None,
) -> bytes:
    """A one-track piano MIDI file of the notes at `bpm` (480 ticks per quarter), via symusic.

    `velocities`: one per note (default VELOCITY for all); `offsets`: ticks each note's start
    moves off the grid, its end staying on it (preview/expression.py; default none)."""
    import tempfile
    from pathlib import Path

    from symusic import Note as SNote
    from symusic import Score, Tempo, Track

    score = Score(TICKS_PER_QUARTER)
    score.tempos.append(Tempo(0, float(bpm)))
    track = Track("preview melody", program=0)
    for i, note in enumerate(notes):
        velocity = VELOCITY if velocities is None else int(velocities[i])
        shift = 0 if offsets is None else int(offsets[i])
        start = max(0, note.step * TICKS_PER_STEP + shift)
        end = (note.step + note.steps) * TICKS_PER_STEP
        track.notes.append(SNote(start, max(1, end - start), note.pitch, velocity))
    score.tracks.append(track)
    with tempfile.TemporaryDirectory() as tmp:  # symusic writes files only
        path = Path(tmp) / "melody.mid"
        score.dump_midi(str(path))
        return path.read_bytes()
