"""Corpora whose labels are audible: a model that hears the audio can learn them, one that does not
cannot.

Valence is heard as key and mode: a major chord whose root rises with valence above 0, a minor one
below. Arousal is heard as pulse rate: broadband clicks whose rate rises from 2 to 10 per second,
with the chord's loudness (which a single frame already shows). The labels are a function of the audio and nothing else, so held-out
concordance measures learning; shuffling the labels between songs keeps the audio and destroys the
function, so the same figure must fall to about 0. Everything is seeded.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf
from corpora import DEAM_DYNAMIC_DIR, DEAM_STATIC_DIR, write_csv

SR = 22050


def song_labels(n: int, seed: int = 0) -> np.ndarray:
    """(n, 2) valence/arousal in [-0.9, 0.9], stratified so every quadrant is well covered."""
    rng = np.random.default_rng([seed, 7])
    grid = (np.arange(n) + rng.uniform(0.1, 0.9, n)) / n * 1.8 - 0.9
    return np.stack([rng.permutation(grid), rng.permutation(grid)], axis=1)


def audible_song(valence: float, arousal: float, seconds: float, seed: int) -> np.ndarray:
    """Mono float32 audio at 22,050 Hz whose key/mode says `valence` and pulse says `arousal`."""
    rng = np.random.default_rng([seed, 11])
    t = np.arange(int(SR * seconds)) / SR
    root = 110.0 * 2 ** ((valence + 1.0) * 6 / 12)  # up to half an octave higher when happy
    third = 4 if valence >= 0 else 3
    chord = sum(
        np.sin(2 * np.pi * root * 2 ** (semis / 12) * k * t + rng.uniform(0, 6.3)) / k
        for semis in (0, third, 7)
        for k in (1, 2, 3)
    )
    loud = 0.02 * 4.0 ** (arousal + 1.0)  # 24 dB louder at the top: heard in every frame
    y = loud * chord / 3.0
    rate = 6.0 + 4.0 * arousal  # clicks per second
    period = int(SR / rate)
    click = rng.standard_normal(int(0.02 * SR)) * np.exp(-np.arange(int(0.02 * SR)) / (0.004 * SR))
    for start in range(int(rng.integers(0, period)), t.shape[0] - click.shape[0], period):
        y[start : start + click.shape[0]] += 0.25 * click
    y += 0.002 * rng.standard_normal(t.shape[0])
    return y.astype(np.float32)


def _songs(n: int, seconds: float, seed: int, shuffle: bool):
    labels = song_labels(n, seed)
    heard = labels
    if shuffle:  # the audio keeps its own labels; the table gets another song's
        heard = labels[np.random.default_rng([seed, 13]).permutation(n)]
    for i in range(n):
        yield i, audible_song(*labels[i], seconds, seed * 1000 + i), heard[i]


def make_audible_deam(
    root: Path, n: int = 36, seconds: float = 4.0, seed: int = 0, shuffle: bool = False
) -> Path:
    """DEAM layout with static labels (1-9 scale, spaced headers); WAV audio in MEMD_audio/."""
    rows = []
    for i, y, (v, a) in _songs(n, seconds, seed, shuffle):
        song = str(i + 1)
        (root / "MEMD_audio").mkdir(parents=True, exist_ok=True)
        sf.write(root / "MEMD_audio" / f"{song}.wav", y, SR)
        rows.append([song, f" {4 * v + 5:.4f}", " 1.0", f" {4 * a + 5:.4f}", " 1.0"])
    header = ["song_id", " valence_mean", " valence_std", " arousal_mean", " arousal_std"]
    write_csv(root / DEAM_STATIC_DIR / "static_annotations_averaged_songs_1_2000.csv", header, rows)
    return root


def make_audible_pmemo(
    root: Path, n: int = 36, seconds: float = 4.0, seed: int = 0, shuffle: bool = False
) -> Path:
    """PMEmo layout: chorus/<id>.wav, metadata.csv and static labels on PMEmo's 0-1 scale."""
    rows = []
    for i, y, (v, a) in _songs(n, seconds, seed, shuffle):
        song = str(i + 1)
        (root / "chorus").mkdir(parents=True, exist_ok=True)
        sf.write(root / "chorus" / f"{song}.wav", y, SR)
        rows.append([song, f"{(a + 1) / 2:.4f}", f"{(v + 1) / 2:.4f}"])
    write_csv(root / "metadata.csv", ["musicId", "fileName"], [[r[0], f"{r[0]}.wav"] for r in rows])
    write_csv(
        root / "annotations" / "static_annotations.csv",
        ["musicId", "Arousal(mean)", "Valence(mean)"],
        rows,
    )
    return root


def make_audible_folder(
    root: Path, n: int = 36, seconds: float = 4.0, seed: int = 0, shuffle: bool = False
) -> Path:
    """A plain folder: audio/<name>.flac plus labels.csv with file, valence, arousal in [-1, 1]."""
    rows = []
    for i, y, (v, a) in _songs(n, seconds, seed, shuffle):
        name = f"audio/song_{i:02d}.flac"
        (root / "audio").mkdir(parents=True, exist_ok=True)
        sf.write(root / name, y, SR)
        rows.append([name, f"{v:.4f}", f"{a:.4f}"])
    write_csv(root / "labels.csv", ["file", "valence", "arousal"], rows)
    return root


def write_quadrant_midi(path: Path, quadrant: int, clip: int, bars: int = 2) -> Path:
    """A piano clip whose pitch content is its quadrant's: each quadrant strikes its own triad
    (C major, A minor, E-flat minor, F-sharp major) on every step, in a rhythm that varies by clip.

    The notes sounding at a step are then a function of the clip's emotion alone, so a melody model
    that learned can name them (top-k distance near 0) while the mean note distribution, which
    mixes the four triads, cannot. A random melody within a scale would not do: which scale note
    comes next is not in the input, and top-k of one note is then a coin toss for any model.
    """
    from symusic import Note, Score, Tempo, Track

    chords = {1: (60, 64, 67), 2: (57, 60, 64), 3: (63, 66, 70), 4: (66, 70, 73)}
    tpq = 480
    score = Score(tpq)
    score.tempos.append(Tempo(0, 120.0))
    track = Track("piano", program=0)
    step = tpq // 4 if quadrant in (1, 2) else tpq // 2
    rng = np.random.default_rng([quadrant, clip])
    for k in range(bars * 4 * tpq // step):
        velocity = int(rng.integers(60, 100))
        for pitch in chords[quadrant]:
            track.notes.append(Note(k * step, step, pitch, velocity))
    score.tracks.append(track)
    path.parent.mkdir(parents=True, exist_ok=True)
    score.dump_midi(str(path))
    return path


def make_quadrant_emopia(root: Path, songs_per_quadrant: int = 6, clips: int = 2) -> Path:
    """EMOPIA layout (midis/Q<q>_<11-char id>_<clip>.mid, label.csv) with pitch content by quadrant."""
    rows = []
    for q in (1, 2, 3, 4):
        for s in range(songs_per_quadrant):
            song = f"song{q}x{s:02d}ab"[:11].ljust(11, "z")
            for c in range(clips):
                clip = f"Q{q}_{song}_{c}"
                write_quadrant_midi(root / "midis" / f"{clip}.mid", q, s * clips + c)
                rows.append([clip, q, "a"])
    write_csv(root / "label.csv", ["ID", "4Q", "annotator"], rows)
    return root


def make_changing_deam(
    root: Path, n: int, seconds: float, seed: int = 0, label_from: float = 0.0
) -> Path:
    """DEAM layout whose emotion changes at each song's midpoint: the first half is one audible
    song, the second another with other labels; dynamic labels every 0.5 s from `label_from` s
    (DEAM's start at 15 s)."""
    first, second = song_labels(n, seed), song_labels(n, seed + 1)
    half = seconds / 2
    times = np.arange(label_from, seconds, 0.5)
    cols = ["song_id"] + [f"sample_{round(1000 * t)}ms" for t in times]
    tables: dict[str, list[list[str]]] = {"valence.csv": [], "arousal.csv": []}
    (root / "MEMD_audio").mkdir(parents=True, exist_ok=True)
    for i in range(n):
        song = str(i + 1)
        y = np.concatenate(
            [
                audible_song(*first[i], half, seed * 1000 + i),
                audible_song(*second[i], half, seed * 1000 + 500 + i),
            ]
        )
        sf.write(root / "MEMD_audio" / f"{song}.wav", y, SR)
        for dim, name in ((0, "valence.csv"), (1, "arousal.csv")):
            values = [f"{(first if t < half else second)[i][dim]:.4f}" for t in times]
            tables[name].append([song, *values])
    for name, rows in tables.items():
        write_csv(root / DEAM_DYNAMIC_DIR / name, cols, rows)
    return root
