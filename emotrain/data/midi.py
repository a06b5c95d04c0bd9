"""MIDI file -> piano roll of sixteenth-note steps: the melody transformer's targets.

A step is a sixteenth note at the file's own tempo (a quarter of the file's ticks per quarter),
measured in ticks, so tempo changes move the steps with the music and no tempo guessing is needed.
A note is active in every step its [start, end) interval overlaps, so a note shorter than a step
still shows up. Drum tracks are left out: their note numbers name instruments, not pitches.
symusic's C++ parser reads a clip in well under a millisecond.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from emotrain.data.base import shown_name

T = TypeVar("T")

STEPS_PER_QUARTER = 4
N_NOTES = 128
#: Sixteenth steps a file may span: about 7 hours at 120 bpm, a 100 MB roll. A tiny file with a
#: note at a huge tick would otherwise ask for gigabytes; a longer file is a reported skip.
MAX_STEPS = 200_000


class MidiReadError(Exception):
    """A MIDI file that cannot be parsed or has nothing to learn from; becomes a reported skip."""


def load_score(path: str | Path) -> tuple[Any, int]:
    """(symusic Score, ticks per quarter); MidiReadError (a reported skip) when it cannot be parsed."""
    from symusic import Score

    try:
        score = Score(str(path))
    except Exception as exc:  # symusic raises plain RuntimeError/ValueError for malformed files
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise MidiReadError(f"cannot parse MIDI: {reason}") from exc
    tpq = int(score.ticks_per_quarter)
    if tpq <= 0:
        raise MidiReadError(f"cannot parse MIDI: ticks per quarter is {tpq}")
    return score, tpq


def each_readable(
    items: Sequence[Any],
    root: Path,
    report: Any,
    progress: Callable[[str, int, int], None] | None,
    read: Callable[[Path], T],
) -> Iterator[tuple[Any, str, T]]:
    """(item, its name under root, read(item.path)) for every file that reads; a file that does
    not is a reported skip under its name, and progress counts both."""
    for done, item in enumerate(items, start=1):
        name = shown_name(item.path, root)
        try:
            value = read(item.path)
        except MidiReadError as exc:
            report.skip(name, str(exc))
            continue
        finally:
            if progress:
                progress("reading MIDI files", done, len(items))
        yield item, name, value


def piano_roll(path: str | Path) -> np.ndarray:
    """(steps, 128) float32 of 0/1 note activity, one row per sixteenth note."""
    score, tpq = load_score(path)
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
    if n_steps > MAX_STEPS:
        raise MidiReadError(
            f"too long: {n_steps:,} sixteenth steps (at most {MAX_STEPS:,}, about 7 hours at "
            "120 bpm; a note at a huge tick?)"
        )
    return _roll(first, last, pitch, n_steps)


def _roll(first: np.ndarray, last: np.ndarray, pitch: np.ndarray, n_steps: int) -> np.ndarray:
    """0/1 roll of the union of [first, last) per pitch, with one byte per cell of scratch.

    Overlapping notes of one pitch are merged first, so every (step, pitch) cell of the difference
    array gets at most one +1 or -1 and the running sum is 0 or 1: int8 cannot overflow however
    many notes a file stacks on one key.
    """
    order = np.lexsort((first, pitch))
    first, last, pitch = first[order], last[order], pitch[order]
    # Running maximum of `last` within each pitch: offsetting by pitch keeps the groups apart.
    offset = pitch * (n_steps + 1)
    reach = np.maximum.accumulate(last + offset) - offset
    new_block = np.ones(first.shape[0], dtype=bool)
    new_block[1:] = (pitch[1:] != pitch[:-1]) | (first[1:] > reach[:-1])
    block_start = np.flatnonzero(new_block)
    block_end = np.append(block_start[1:], first.shape[0]) - 1  # index of each block's last note
    diff = np.zeros((n_steps + 1, N_NOTES), dtype=np.int8)
    diff[first[block_start], pitch[block_start]] = 1
    diff[reach[block_end], pitch[block_start]] = -1
    np.cumsum(diff, axis=0, out=diff)
    return diff[:-1].astype(np.float32)
