"""PMEmo 2019: `chorus/<musicId>.mp3` with `annotations/static_annotations.csv` and
`annotations/dynamic_annotations.csv` (0-1 scale, dynamic every 0.5 s)."""

from __future__ import annotations

from pathlib import Path

from emotrain.data.audio import AUDIO_SUFFIXES
from emotrain.data.base import DataReport
from emotrain.data.detect import media_files
from emotrain.data.labels import AudioItem, match_audio, read_pmemo_dynamic, read_static
from emotrain.errors import DataError


def plan(root: Path, report: DataReport, label_mode: str = "auto") -> list[AudioItem]:
    audio_dir = root / "chorus"
    if not audio_dir.is_dir():
        raise DataError(f"pmemo: no chorus/ folder in {root} (PMEmo keeps its audio there)")
    static_csv = root / "annotations" / "static_annotations.csv"
    dynamic_csv = root / "annotations" / "dynamic_annotations.csv"
    if not static_csv.is_file() and not dynamic_csv.is_file():
        raise DataError(
            f"pmemo: no annotations/static_annotations.csv or "
            f"annotations/dynamic_annotations.csv in {root}"
        )
    static = (
        read_static([static_csv], "musicId", "Valence(mean)", "Arousal(mean)", 0.0, 1.0)
        if static_csv.is_file()
        else ({}, {})
    )
    dynamic = read_pmemo_dynamic(dynamic_csv) if dynamic_csv.is_file() else ({}, {})
    files = media_files(audio_dir, AUDIO_SUFFIXES, root, report)
    return match_audio(files, static, dynamic, label_mode, root, report)
