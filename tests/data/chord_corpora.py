"""Chord corpora built by the tests: rendered chords (a few additive partials per note) with `.lab`
files, so the chord sounding at every moment is known exactly.

`shuffle=True` keeps the audio and the label counts but gives each song the `.lab` of another
song's chord sequence drawn independently of its audio: a model can then learn nothing about the
chords from the sound, and must not be judged better than the baseline.
"""

from __future__ import annotations

import csv
import warnings
from pathlib import Path

import numpy as np
import soundfile as sf

SR = 22050
#: (Harte label, MIDI notes) rendered in the octave above middle C.
CHORDS = {
    "C:maj": (60, 64, 67),
    "A:min": (57, 60, 64),
    "F:maj": (53, 57, 60),
    "G:7": (55, 59, 62, 65),
    "D:min": (62, 65, 69),
    "E:min": (64, 67, 71),
}


def render(notes: tuple[int, ...], seconds: float, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    y = np.zeros_like(t)
    for note in notes:
        f0 = 440.0 * 2 ** ((note - 69) / 12)
        for k, amp in ((1, 1.0), (2, 0.5), (3, 0.25)):
            y += amp * np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 2 * np.pi))
    fade = np.minimum(1.0, np.minimum(t, t[-1] - t) / 0.01)
    return (0.1 * y * fade).astype(np.float32)


def make_chord_corpus(
    root: Path,
    *,
    songs: int = 12,
    chords_per_song: int = 4,
    seconds: float = 1.0,
    seed: int = 0,
    shuffle: bool = False,
    labels_csv: bool = True,
) -> Path:
    """`root/song<i>.wav` + `root/song<i>.lab` (+ labels.csv with each song's valence/arousal)."""
    rng = np.random.default_rng(seed)
    names = list(CHORDS)
    root.mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(songs):
        sequence = [names[j] for j in rng.integers(0, len(names), chords_per_song)]
        audio = np.concatenate([render(CHORDS[c], seconds, rng) for c in sequence])
        sf.write(root / f"song{i}.wav", audio, SR, subtype="FLOAT")
        labelled = [names[j] for j in rng.integers(0, len(names), chords_per_song)]
        if not shuffle:
            labelled = sequence
        lines = [
            f"{k * seconds:.6f} {(k + 1) * seconds:.6f} {label}" for k, label in enumerate(labelled)
        ]
        (root / f"song{i}.lab").write_text("\n".join(lines) + "\n")
        rows.append((f"song{i}.wav", round(float(rng.uniform(-1, 1)), 3), 0.5))
    if labels_csv:
        with open(root / "labels.csv", "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["file", "valence", "arousal"])
            writer.writerows(rows)
    return root


def write_jams(
    path: Path, chords: list[tuple[float, float, str]], namespace: str = "chord"
) -> None:
    """A JAMS file as GuitarSet's: one annotation of `namespace` with (time, duration, value)."""
    import jams

    doc = jams.JAMS()
    doc.file_metadata.duration = max(t + d for t, d, _ in chords)
    ann = jams.Annotation(namespace=namespace)
    for t, d, value in chords:
        ann.append(time=t, duration=d, value=value)
    doc.annotations.append(ann)
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():  # jams' own schema check of the test's file, not ours
        warnings.simplefilter("ignore")
        doc.save(str(path), strict=False)


def make_guitarset(root: Path, *, songs: int = 4, seconds: float = 1.0, seed: int = 0) -> Path:
    """GuitarSet's layout: `audio_mono-mic/<id>_mic.wav` and `annotation/<id>.jams`, no labels."""
    rng = np.random.default_rng(seed)
    names = list(CHORDS)
    for i in range(songs):
        sequence = [names[j] for j in rng.integers(0, len(names), 4)]
        audio = np.concatenate([render(CHORDS[c], seconds, rng) for c in sequence])
        stem = f"0{i}_BN1-129-Eb_comp"
        (root / "audio_mono-mic").mkdir(parents=True, exist_ok=True)
        sf.write(root / "audio_mono-mic" / f"{stem}_mic.wav", audio, SR, subtype="FLOAT")
        chords = [(k * seconds, seconds, c) for k, c in enumerate(sequence)]
        write_jams(root / "annotation" / f"{stem}.jams", chords)
    return root
