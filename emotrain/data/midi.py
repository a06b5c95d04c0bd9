"""MIDI file -> piano roll of sixteenth-note steps: the melody transformer's targets.

A step is a sixteenth note at the file's own tempo (a quarter of the file's ticks per quarter),
measured in ticks, so tempo changes move the steps with the music and no tempo guessing is needed.
A note is active in every step its [start, end) interval overlaps, so a note shorter than a step
still shows up. Drum tracks are left out: their note numbers name instruments, not pitches.
symusic's C++ parser reads a clip in well under a millisecond.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

STEPS_PER_QUARTER = 4
N_NOTES = 128


class MidiReadError(Exception):
    """A MIDI file that cannot be parsed or has nothing to learn from; becomes a reported skip."""


def piano_roll(path: str | Path) -> np.ndarray:
    """(steps, 128) float32 of 0/1 note activity, one row per sixteenth note."""
    from symusic import Score

    try:
        score = Score(str(path))
    except Exception as exc:  # symusic raises plain RuntimeError/ValueError for malformed files
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise MidiReadError(f"cannot parse MIDI: {reason}") from exc
    tpq = int(score.ticks_per_quarter)
    if tpq <= 0:
        raise MidiReadError(f"cannot parse MIDI: ticks per quarter is {tpq}")
    step = tpq / STEPS_PER_QUARTER
    starts, ends, pitches = [], [], []
    for track in score.tracks:
        if track.is_drum or len(track.notes) == 0:
            continue
        arr = track.notes.numpy()
        start = arr["time"].astype(np.int64)
        starts.append(start)
        ends.append(start + np.maximum(arr["duration"].astype(np.int64), 1))
        pitches.append(arr["pitch"].astype(np.int64) & 0x7F)
    if not starts:
        raise MidiReadError("no notes outside drum tracks")
    start, end, pitch = np.concatenate(starts), np.concatenate(ends), np.concatenate(pitches)
    first = np.floor(start / step).astype(np.int64)
    last = np.maximum(np.ceil(end / step).astype(np.int64), first + 1)  # exclusive
    n_steps = int(last.max())
    if n_steps > 10_000_000:
        raise MidiReadError(f"implausibly long ({n_steps} sixteenth steps)")
    # Difference array: +1 where a note starts, -1 after it ends; running sum > 0 means "sounding".
    diff = np.zeros((n_steps + 1, N_NOTES), dtype=np.int32)
    np.add.at(diff, (first, pitch), 1)
    np.add.at(diff, (last, pitch), -1)
    return (np.cumsum(diff[:-1], axis=0) > 0).astype(np.float32)
