"""Trained networks and held-out songs shared by the preview tests (trained once per session).

The recognizer learns an audible corpus (valence heard as key and mode, arousal as pulse and
loudness: tests/data/audible.py) and the melody transformer a MIDI corpus whose quadrants play in
their own register and scale (melodies.py); harmony, dynamics and groove are tiny synthetic runs.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))

from audible import SR, audible_song, make_audible_deam
from melodies import make_register_emopia

FAST = ["--seq-len", "8", "--batch-size", "16", "--device", "cpu", "--quiet"]
#: The held-out songs: one per quadrant, (valence, arousal) well inside it.
#: Options of the tiny synthetic run of harmony, dynamics and groove.
TINY = ["--samples", "24", "--seq-len", "4", "--batch-size", "8", "--device", "cpu", "--quiet"]
SONGS = {1: (0.7, 0.7), 2: (-0.7, 0.7), 3: (-0.7, -0.7), 4: (0.7, -0.7)}
SECONDS = 4.0


@dataclass
class Trained:
    runs: dict[str, Path]  # emotion, melody, rest
    models: Path  # a plain folder holding all five <name>.json
    songs: dict[int, Path]  # quadrant -> held-out song


def _train(out: Path, *args: str | Path) -> Path:
    from emotrain.cli import main

    assert main(["train", *[str(a) for a in args], "-o", str(out)]) == 0
    return out


@pytest.fixture(scope="session")
def trained(tmp_path_factory) -> Trained:
    import soundfile as sf

    root = tmp_path_factory.mktemp("preview")
    deam = make_audible_deam(root / "deam", n=20, seconds=1.5)
    emopia = make_register_emopia(root / "emopia")
    runs = {
        "emotion": _train(
            root / "emotion", "-m", "emotion", "--data", deam, "--epochs", "6", *FAST
        ),
        "melody": _train(root / "melody", "-m", "melody", "--data", emopia, "--epochs", "8", *FAST),
        "rest": _train(root / "rest", "-m", "harmony,dynamics,groove", "--epochs", "2", *TINY),
    }
    models = root / "models"
    models.mkdir()
    for run in runs.values():
        for exported in run.glob("*.json"):
            if exported.name != "run_config.json":
                shutil.copy(exported, models / exported.name)
    songs = {}
    for q, (valence, arousal) in SONGS.items():
        songs[q] = root / "songs" / f"q{q}.wav"
        songs[q].parent.mkdir(exist_ok=True)
        sf.write(songs[q], audible_song(valence, arousal, SECONDS, 900 + q), SR)
    return Trained(runs, models, songs)


@pytest.fixture(scope="session")
def previewed(trained, tmp_path_factory) -> Path:
    """One preview of the four held-out songs with every network (default options)."""
    from emotrain.cli import main

    out = tmp_path_factory.mktemp("previewed")
    songs = [str(trained.songs[q]) for q in sorted(trained.songs)]
    assert main(["preview", *songs, "--models", str(trained.models), "-o", str(out)]) == 0
    return out
