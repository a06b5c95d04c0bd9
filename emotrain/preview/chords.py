"""Preview's reading of the harmony output: the most probable chord per beat.

Beat k at the preview's tempo spans [k * 60 / bpm, (k + 1) * 60 / bpm) seconds. Its chord is the
class (plugin/chords.py) with the highest mean probability over the frames whose centre lies in
the beat (the frame at the beat's start when none does), named as in docs/plugin-contract.md
(N, C, C:min, C:7, C:maj7, C:min7, ..., dim, aug, sus). Consecutive beats of one chord make one
segment of the lane drawn under the piano roll and of summary.json's chord sequence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from emotrain.plugin.chords import CLASS_NAMES
from emotrain.plugin.timing import FRAME_RATE


@dataclass(frozen=True)
class Beat:
    index: int
    start_s: float
    chord: str
    probability: float  # the chord's mean probability over the beat's frames


@dataclass(frozen=True)
class Segment:
    start_s: float
    end_s: float
    chord: str


def chord_beats(probs: np.ndarray, duration_s: float, bpm: float) -> list[Beat]:
    """One Beat per beat of the song at `bpm`, from the harmony output (frames, 64)."""
    beat_s = 60.0 / bpm
    count = max(1, int(np.ceil(duration_s / beat_s - 1e-9)))
    n = probs.shape[0]
    beats = []
    for k in range(count):
        start, end = k * beat_s, (k + 1) * beat_s
        first = min(int(np.ceil(start * FRAME_RATE - 1e-9)), n - 1)
        last = max(first + 1, min(int(np.ceil(end * FRAME_RATE - 1e-9)), n))
        mean = probs[first:last].mean(axis=0)
        best = int(mean.argmax())
        beats.append(Beat(k, round(start, 6), CLASS_NAMES[best], float(mean[best])))
    return beats


def segments(beats: list[Beat], duration_s: float) -> list[Segment]:
    """Runs of beats with one chord, the last ending with the song."""
    out: list[Segment] = []
    for i, beat in enumerate(beats):
        end = beats[i + 1].start_s if i + 1 < len(beats) else duration_s
        if out and out[-1].chord == beat.chord:
            out[-1] = Segment(out[-1].start_s, round(end, 6), beat.chord)
        else:
            out.append(Segment(beat.start_s, round(end, 6), beat.chord))
    return out


def chords_csv(beats: list[Beat]) -> str:
    lines = ["beat,time_s,chord,probability"]
    lines += [f"{b.index},{b.start_s:.6f},{b.chord},{b.probability:.6f}" for b in beats]
    return "\n".join(lines) + "\n"


def draw_lane(ax, lane: list[Segment], end: float) -> None:
    """The chord lane: one box per segment with its name, on an axis of its own."""
    colours = ("#e8eef7", "#d5e1f0")
    for i, seg in enumerate(lane):
        ax.axvspan(seg.start_s, seg.end_s, color=colours[i % 2], linewidth=0)
        ax.text((seg.start_s + seg.end_s) / 2, 0.5, seg.chord, ha="center", va="center",
                fontsize="small", clip_on=True)  # fmt: skip
    ax.set_xlim(0.0, end)
    ax.set_ylim(0.0, 1.0)
    ax.set_yticks([])
    ax.set_ylabel("chord", rotation=0, ha="right", va="center")
