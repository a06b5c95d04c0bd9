"""EMOPIA-layout corpora of performances whose playing depends on the quadrant: a known answer for
the dynamics engine and the groove predictor.

Per quadrant (EXPRESSION): the velocity the notes are played at, whether the notes are sixteenths
or eighths (note density, and which positions of the bar have onsets), and the swing: how late,
in steps, the off-beat notes come. Every song draws its own velocity offset, its notes' pitches and
velocity jitter, and drops a share of its notes at random, so the clips of one quadrant differ
while their mean vectors follow the quadrant. Chords (a quarter of the notes doubled an octave
below) and the sustain pedal (held through half of the bars) come at random in every quadrant: a
quantity that is always 0 is one a sigmoid output can only approach, never meet as the training
mean does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from corpora import write_csv

#: quadrant -> (mean velocity, steps between notes (1: sixteenths, 2: eighths), swing in steps)
EXPRESSION = {
    1: (100, 1, 0.0),  # loud, dense, straight
    2: (88, 1, 0.3),  # loud, dense, swung sixteenths
    3: (45, 2, 0.3),  # soft, sparse, swung eighths
    4: (62, 2, 0.0),  # soft-ish, sparse, straight
}
TPQ = 480
STEP = TPQ // 4


def write_performance(path: Path, quadrant: int, rng: np.random.Generator, bars: int) -> Path:
    from symusic import ControlChange, Note, Score, Tempo, Track

    velocity, every, swing = EXPRESSION[quadrant]
    song_offset = int(rng.integers(-8, 9))
    score = Score(TPQ)
    score.tempos.append(Tempo(0, 120.0))
    track = Track("piano", program=0)
    for k in range(0, bars * 16, every):
        if rng.random() < 0.15:
            continue
        offbeat = (k // every) % 2 == 1
        start = k * STEP + (round(swing * STEP) if offbeat else 0)
        vel = int(np.clip(velocity + song_offset + rng.integers(-6, 7), 1, 127))
        pitch = int(rng.integers(55, 80))
        track.notes.append(Note(start, int(0.8 * STEP * every), pitch, vel))
        if rng.random() < 0.25:  # some notes doubled an octave below: chords, in every quadrant
            track.notes.append(Note(start, int(0.8 * STEP * every), pitch - 12, vel))
    for bar in range(bars):  # the pedal held through half of the bars, in every quadrant
        if rng.random() < 0.5:
            track.controls.append(ControlChange(bar * 16 * STEP, 64, 127))
            track.controls.append(ControlChange(bar * 16 * STEP + 12 * STEP, 64, 0))
    score.tracks.append(track)
    path.parent.mkdir(parents=True, exist_ok=True)
    score.dump_midi(str(path))
    return path


def make_expressive_emopia(
    root: Path,
    songs_per_quadrant: int = 8,
    clips: int = 1,
    bars: int = 4,
    seed: int = 0,
    shuffle: bool = False,
) -> Path:
    """midis/Q<q>_<11-character id>_<clip>.mid and label.csv.

    `shuffle`: the labels are dealt so that every label gets the same number of songs of each
    played quadrant (songs_per_quadrant / 4; in a seeded order), so a label says nothing about
    the playing. A plain permutation would not do: by chance it leaves labels and playing
    correlated, which a model rightly learns (seen: a shuffled corpus's groove `better`).
    """
    rng = np.random.default_rng(seed)
    songs = [(q, s) for q in (1, 2, 3, 4) for s in range(songs_per_quadrant)]
    labels = [q for q, _ in songs]
    if shuffle:
        deal = _deal(songs_per_quadrant, seed)
        labels = [1 + (q - 1 + int(deal[q][s])) % 4 for q, s in songs]
    rows = []
    for (q, s), label in zip(songs, labels, strict=True):
        song = _song(q, s)
        for c in range(clips):
            clip = f"Q{label}_{song}_{c}"
            write_performance(root / "midis" / f"{clip}.mid", q, rng, bars)
            rows.append([clip, label, "a"])
    write_csv(root / "label.csv", ["ID", "4Q", "annotator"], rows)
    return root


def _song(q: int, s: int) -> str:
    return f"exp{q}s{s:03d}".ljust(11, "x")[:11]


def _deal(songs_per_quadrant: int, seed: int) -> dict[int, np.ndarray]:
    if songs_per_quadrant % 4:
        raise ValueError("a balanced deal needs songs_per_quadrant divisible by 4")
    rng = np.random.default_rng(seed + 1000)
    return {q: rng.permutation(songs_per_quadrant) for q in (1, 2, 3, 4)}


def held_out_songs(songs_per_quadrant: int = 8, seed: int = 0) -> list[str]:
    """One song of every (played quadrant, shuffled label) pair: held out, they leave the training
    side as balanced as the deal, so with shuffled labels its label groups share one mean and a
    model can learn nothing but that mean (a random split left groups of 4, 3, 4 and 2 songs per
    quadrant: noise a model learns and then pays for on new songs, `worse` than the mean)."""
    deal = _deal(songs_per_quadrant, seed)
    return [_song(q, s) for q in (1, 2, 3, 4) for s in range(songs_per_quadrant) if deal[q][s] < 4]
