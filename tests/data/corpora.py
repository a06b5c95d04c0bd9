"""Build small corpora in the real layouts (DEAM, PMEmo, EMOPIA, a labelled folder) on disk.

Audio is written with soundfile (MP3 through libsndfile 1.2), MIDI with symusic. Songs differ in
pitch and loudness with their labels, so a model has something to learn; everything is seeded.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import soundfile as sf

DEAM_STATIC_DIR = "annotations/annotations averaged per song/song_level"
DEAM_DYNAMIC_DIR = "annotations/annotations averaged per song/dynamic (per second annotations)"


def song_audio(index: int, seconds: float, sr: int = 22050, channels: int = 1) -> np.ndarray:
    """A chord whose root and loudness depend on `index`, plus a little seeded noise."""
    rng = np.random.default_rng(1000 + index)
    t = np.arange(int(sr * seconds)) / sr
    root = 110.0 * 2 ** ((index % 7) / 12)
    y = sum(np.sin(2 * np.pi * root * k * t) / k for k in (1, 2, 3, 5))
    y = (0.1 + 0.05 * (index % 4)) * y + 0.01 * rng.standard_normal(t.shape[0])
    if channels == 2:
        return np.stack([y, 0.7 * y], axis=1).astype(np.float32)
    return y.astype(np.float32)


def write_audio(path: Path, index: int, seconds: float, sr: int = 22050, channels: int = 1) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, song_audio(index, seconds, sr, channels), sr)
    return path


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _va(index: int) -> tuple[float, float]:
    """A label in [-1, 1] per song, spread over the four quadrants."""
    return (((index * 37) % 17) / 8.0 - 1.0, ((index * 53) % 13) / 6.0 - 1.0)


DEAM_IDS = ("2", "3", "10", "45", "2001", "2002")


def make_deam(root: Path, seconds: float = 17.0, ids: tuple[str, ...] = DEAM_IDS) -> Path:
    """MEMD_audio/<id>.mp3 (one song at 44.1 kHz stereo), static tables with spaced headers split
    across the two DEAM files, and dynamic valence/arousal tables from 15 s whose shorter rows end
    in empty cells."""
    for i, song in enumerate(ids):
        stereo = i == 0
        write_audio(
            root / "MEMD_audio" / f"{song}.mp3",
            i,
            seconds,
            sr=44100 if stereo else 22050,
            channels=2 if stereo else 1,
        )
    header = ["song_id", " valence_mean", " valence_std", " arousal_mean", " arousal_std"]
    rows = {False: [], True: []}
    for i, song in enumerate(ids):
        v, a = _va(i)
        rows[int(song) >= 2000].append(
            [song, f" {4 * v + 5:.3f}", " 1.1", f" {4 * a + 5:.3f}", " 0.9"]
        )
    static = root / DEAM_STATIC_DIR
    write_csv(static / "static_annotations_averaged_songs_1_2000.csv", header, rows[False])
    write_csv(static / "static_annotations_averaged_songs_2000_2058.csv", header, rows[True])
    n_samples = 4  # 15.0, 15.5, 16.0, 16.5 s
    cols = ["song_id"] + [f"sample_{15000 + 500 * k}ms" for k in range(n_samples)]
    for dim, name in ((0, "valence.csv"), (1, "arousal.csv")):
        table = []
        for i, song in enumerate(ids):
            values = [f"{_va(i)[dim] * (1 - 0.1 * k):.4f}" for k in range(n_samples)]
            if i == 1:  # a shorter song: its row ends in empty cells
                values = [*values[:3], ""]
            table.append([song, *values])
        write_csv(root / DEAM_DYNAMIC_DIR / name, cols, table)
    return root


PMEMO_IDS = ("1", "4", "5", "6", "7")


def make_pmemo(root: Path, seconds: float = 4.0, ids: tuple[str, ...] = PMEMO_IDS) -> Path:
    """chorus/<musicId>.mp3; static labels (0-1) for all, dynamic ones for the first three."""
    for i, song in enumerate(ids):
        write_audio(root / "chorus" / f"{song}.mp3", 10 + i, seconds)
    write_csv(root / "metadata.csv", ["musicId", "fileName"], [[s, f"{s}.mp3"] for s in ids])
    static = [
        [s, f"{(_va(i)[1] + 1) / 2:.4f}", f"{(_va(i)[0] + 1) / 2:.4f}"] for i, s in enumerate(ids)
    ]
    write_csv(
        root / "annotations" / "static_annotations.csv",
        ["musicId", "Arousal(mean)", "Valence(mean)"],
        static,
    )
    dynamic = []
    for i, song in enumerate(ids[:3]):
        v, a = _va(i)
        for k in range(1, int(seconds * 2)):
            dynamic.append([song, f"{0.5 * k:.1f}", f"{(a + 1) / 2:.4f}", f"{(v + 1) / 2:.4f}"])
    write_csv(
        root / "annotations" / "dynamic_annotations.csv",
        ["musicId", "frameTime", "Arousal(mean)", "Valence(mean)"],
        dynamic,
    )
    return root


def write_midi(
    path: Path, quadrant: int, bars: int = 4, tpq: int = 480, bpm: float = 120.0
) -> Path:
    """A piano clip: major (Q1/Q4) or minor (Q2/Q3) broken chords, dense when arousal is high."""
    from symusic import Note, Score, Tempo, Track

    score = Score(tpq)
    score.tempos.append(Tempo(0, bpm))
    track = Track("piano", program=0)
    third = 4 if quadrant in (1, 4) else 3
    step = tpq // 4 if quadrant in (1, 2) else tpq // 2
    root = 60 if quadrant in (1, 4) else 57
    for k in range(bars * 4 * tpq // step):
        pitch = root + (0, third, 7, 12)[k % 4]
        track.notes.append(Note(k * step, step, pitch, 80))
    track.notes.append(Note(0, bars * 4 * tpq, root - 12, 60))
    score.tracks.append(track)
    path.parent.mkdir(parents=True, exist_ok=True)
    score.dump_midi(str(path))
    return path


EMOPIA_CLIPS = (
    "Q1__kJtgm1OUNA_0",
    "Q1__kJtgm1OUNA_1",
    "Q2_-9bgKsvD8sU_0",
    "Q2_-9bgKsvD8sU_2",
    "Q3_c6CwY8Gbw0c_3",
    "Q4_0vLPYiPN7qY_0",
    "Q4_0vLPYiPN7qY_1",
    "Q1_abcdefghijk_0",
)


def make_emopia(root: Path, clips: tuple[str, ...] = EMOPIA_CLIPS) -> Path:
    for clip in clips:
        write_midi(root / "midis" / f"{clip}.mid", int(clip[1]))
    write_csv(root / "label.csv", ["ID", "4Q", "annotator"], [[c, c[1], "a"] for c in clips])
    return root


def make_audio_folder(root: Path, n: int = 5, seconds: float = 3.0) -> Path:
    """WAV, FLAC and OGG files in a subfolder plus labels.csv (-1..1); two files share a song."""
    suffixes = (".wav", ".flac", ".ogg")
    rows = []
    for i in range(n):
        name = f"clips/take_{i}{suffixes[i % 3]}"
        write_audio(root / name, 20 + i, seconds)
        v, a = _va(i)
        rows.append([name, f"{v:.3f}", f"{a:.3f}", "duet" if i < 2 else ""])
    write_csv(root / "labels.csv", ["file", "valence", "arousal", "song"], rows)
    return root


def make_midi_folder(root: Path, n: int = 5) -> Path:
    rows = []
    for i in range(n):
        quadrant = 1 + i % 4
        write_midi(root / f"piece_{i}.mid", quadrant)
        v, a = _va(i)
        rows.append([f"piece_{i}.mid", f"{v:.3f}", f"{a:.3f}"])
    write_csv(root / "labels.csv", ["file", "valence", "arousal"], rows)
    return root


#: Per quadrant: the scale (pitch classes) and register (lowest, highest note) random notes are
#: drawn from. Major for positive valence, minor for negative; high for high arousal, low for low.
RANDOM_NOTE_QUADRANTS = {
    1: ((0, 2, 4, 5, 7, 9, 11), (67, 86)),  # C major, high
    2: ((0, 2, 3, 5, 7, 8, 11), (72, 91)),  # C harmonic minor, higher
    3: ((2, 4, 5, 7, 9, 10, 1), (38, 57)),  # D harmonic minor, low
    4: ((5, 7, 9, 10, 0, 2, 4), (45, 64)),  # F major, low-middle
}


def write_random_note_midi(path: Path, quadrant: int, seed: int, bars: int = 4) -> Path:
    """A clip of sixteenth notes drawn at random from the quadrant's scale and register.

    Which note comes next is not in a melody model's input (the clip's emotion); its distribution
    is. No note is likely enough to pass 0.5, so only a likelihood figure can see the learning.
    """
    from symusic import Note, Score, Tempo, Track

    scale, (low, high) = RANDOM_NOTE_QUADRANTS[quadrant]
    pool = [p for p in range(low, high + 1) if p % 12 in scale]
    rng = np.random.default_rng(seed)
    tpq = 480
    step = tpq // 4
    score = Score(tpq)
    score.tempos.append(Tempo(0, 120.0))
    track = Track("piano", program=0)
    for k in range(bars * 16):
        track.notes.append(Note(k * step, step, int(rng.choice(pool)), int(rng.integers(50, 100))))
    score.tracks.append(track)
    path.parent.mkdir(parents=True, exist_ok=True)
    score.dump_midi(str(path))
    return path


def make_random_note_emopia(
    root: Path,
    songs_per_quadrant: int = 8,
    clips: int = 2,
    bars: int = 4,
    seed: int = 0,
    shuffle: bool = False,
) -> Path:
    """EMOPIA layout (midis/Q<q>_<11-character id>_<clip>.mid, label.csv) of random-note clips.

    `shuffle`: each song keeps its notes but is filed under another song's quadrant (a seeded
    permutation over songs), so its label says nothing about its notes.
    """
    rng = np.random.default_rng(seed)
    songs = [(q, s) for q in (1, 2, 3, 4) for s in range(songs_per_quadrant)]
    labels = [q for q, _ in songs]
    if shuffle:
        labels = [labels[i] for i in rng.permutation(len(labels))]
    rows = []
    for (q, s), label in zip(songs, labels, strict=True):
        song = f"rnd{q}s{s:03d}".ljust(11, "x")[:11]
        for c in range(clips):
            clip = f"Q{label}_{song}_{c}"
            write_random_note_midi(
                root / "midis" / f"{clip}.mid", q, seed * 7919 + q * 1000 + s * 10 + c, bars
            )
            rows.append([clip, label, "a"])
    write_csv(root / "label.csv", ["ID", "4Q", "annotator"], rows)
    return root
