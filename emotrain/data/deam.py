"""DEAM (MediaEval 2013-2015): `MEMD_audio/<song_id>.mp3` plus averaged static and dynamic labels.

Static labels (1-9, header cells with a leading space) come from
`annotations/annotations averaged per song/song_level/static_annotations_averaged_songs_*.csv`;
dynamic ones (2 Hz from 15 s, roughly [-1, 1], empty tails) from `.../dynamic (per second
annotations)/valence.csv` and `arousal.csv`. The per-rater tables are ignored.
"""

from __future__ import annotations

from pathlib import Path

from emotrain.data.audio import AUDIO_SUFFIXES
from emotrain.data.base import DataReport
from emotrain.data.detect import find_dir, media_files
from emotrain.data.labels import AudioItem, match_audio, read_deam_dynamic, read_static
from emotrain.errors import DataError


def _averaged(root: Path, pattern: str) -> list[Path]:
    annotations = find_dir(root, "annotations")
    if annotations is None:
        return []
    hits = [
        p
        for p in annotations.glob(f"**/{pattern}")
        if "rater" not in p.relative_to(annotations).as_posix().lower()
    ]
    return sorted(hits)


def plan(root: Path, report: DataReport, label_mode: str = "auto") -> list[AudioItem]:
    audio_dir = find_dir(root, "MEMD_audio")
    if audio_dir is None:
        raise DataError(f"deam: no MEMD_audio/ folder in {root} (DEAM keeps its audio there)")
    static_files = _averaged(root, "static_annotations_averaged_songs*.csv")
    valence = [p for p in _averaged(root, "valence.csv") if "dynamic" in p.parent.name.lower()]
    arousal = [p for p in _averaged(root, "arousal.csv") if "dynamic" in p.parent.name.lower()]
    if not static_files and not (valence and arousal):
        raise DataError(
            f"deam: no label tables under {root} (expected annotations/.../"
            "static_annotations_averaged_songs_*.csv or dynamic valence.csv and arousal.csv)"
        )
    static = read_static(static_files, "song_id", "valence_mean", "arousal_mean", 1.0, 9.0)
    dynamic = read_deam_dynamic(valence[0], arousal[0]) if valence and arousal else ({}, {})
    files = media_files(audio_dir, AUDIO_SUFFIXES, root, report)
    return match_audio(files, static, dynamic, label_mode, root, report)
