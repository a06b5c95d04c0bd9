"""A MIDI corpus whose quadrants differ in register and scale, in EMOPIA's layout.

Each quadrant plays in its own octave and key: Q1 C major in C5-B5, Q2 E minor in C4-B4, Q3 A minor
in A2-G#3, Q4 D major in D6-C#7. The registers do not overlap, so a note names its quadrant by its
octave alone, and its pitch class must also be of the quadrant's scale. Every step strikes the
tonic triad of the key (as tests/data/audible.py's clips do: a melody model can learn what sounds,
not which scale note a random line picks next), in a rhythm that varies by clip.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))

from corpora import write_csv

MAJOR, MINOR = (0, 2, 4, 5, 7, 9, 11), (0, 2, 3, 5, 7, 8, 10)
#: quadrant -> (lowest note, highest note, tonic pitch class, scale steps, tonic triad)
QUADRANTS = {
    1: (72, 83, 0, MAJOR, (72, 76, 79)),
    2: (60, 71, 4, MINOR, (64, 67, 71)),
    3: (45, 56, 9, MINOR, (45, 48, 52)),
    4: (86, 97, 2, MAJOR, (86, 90, 93)),
}


def in_quadrant(pitch: int, quadrant: int) -> bool:
    """The note lies in the quadrant's register and on its scale."""
    low, high, tonic, scale, _ = QUADRANTS[quadrant]
    return low <= pitch <= high and (pitch - tonic) % 12 in scale


def write_clip(path: Path, quadrant: int, clip: int, bars: int = 2) -> Path:
    from symusic import Note, Score, Tempo, Track

    tpq = 480
    score = Score(tpq)
    score.tempos.append(Tempo(0, 120.0))
    track = Track("piano", program=0)
    step = tpq // 4 if clip % 2 else tpq // 2
    rng = np.random.default_rng([quadrant, clip])
    for k in range(bars * 4 * tpq // step):
        for pitch in QUADRANTS[quadrant][4]:
            track.notes.append(Note(k * step, step, pitch, int(rng.integers(60, 100))))
    score.tracks.append(track)
    path.parent.mkdir(parents=True, exist_ok=True)
    score.dump_midi(str(path))
    return path


def make_register_emopia(root: Path, songs_per_quadrant: int = 5, clips: int = 2) -> Path:
    """EMOPIA layout: midis/Q<q>_<11-char id>_<clip>.mid and label.csv."""
    rows = []
    for q in QUADRANTS:
        for s in range(songs_per_quadrant):
            song = f"reg{q}x{s:02d}abcd"[:11]
            for c in range(clips):
                clip = f"Q{q}_{song}_{c}"
                write_clip(root / "midis" / f"{clip}.mid", q, s * clips + c)
                rows.append([clip, q, "a"])
    write_csv(root / "label.csv", ["ID", "4Q", "annotator"], rows)
    return root
