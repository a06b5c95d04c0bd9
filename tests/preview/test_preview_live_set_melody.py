"""Issue #23's scenario as a user meets it: four songs of different quadrants played as a live set
through `emotrain preview`, from the exported JSON files, the melody trained with the default
`--stream-training` (auto: stateful for the melody).

Known answer: the recognizer learned an audible DEAM-layout corpus (key and mode say valence,
pulse and loudness say arousal) and the melody an EMOPIA-layout corpus whose quadrants each play
in their own register and key (melodies.py), both in conftest.py's session fixture. Every song of
the live set must keep at least 0.8 of the melody's from-reset confidence and play in its own
register; the recognizer's live-set CCC must be at least its per-song CCC minus 0.02.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))

from audible import SR, audible_song, make_audible_deam
from melodies import QUADRANTS, in_quadrant

from tests.preview.conftest import SONGS

#: The issue's order: the emotion changes at every join, twice across both axes.
ORDER = (1, 3, 2, 4)
SECONDS = 8.0


def _songs(folder: Path) -> list[Path]:
    import soundfile as sf

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for q in ORDER:
        path = folder / f"q{q}.wav"
        sf.write(path, audible_song(*SONGS[q], SECONDS, 700 + q), SR)
        paths.append(path)
    return paths


def _play(cli, models: Path, songs: list[Path], out: Path, *extra: str) -> dict[int, dict]:
    """Per quadrant: the summary's melody block, the per-step best notes and the quadrant share."""
    result = cli("preview", *songs, "--models", models, "-o", out, *extra)
    assert result.code == 0, result.err
    got = {}
    for q in ORDER:
        summary = json.loads((out / f"q{q}" / "summary.json").read_text())
        with np.load(out / f"q{q}" / "outputs.npz") as npz:
            probs = npz["melodytransformer"]
        assert np.isclose(summary["melody"]["best_note_probability"], probs.max(-1).mean())
        got[q] = {
            "melody": summary["melody"],
            "best": probs.argmax(-1).tolist(),
            "heard": summary["emotion"]["quadrant_share"][f"Q{q}"],
        }
    return got


def _ratios(each: dict, live: dict) -> dict[int, float]:
    return {
        q: live[q]["melody"]["best_note_probability"] / each[q]["melody"]["best_note_probability"]
        for q in ORDER
    }


def _models_with_windows_melody(trained, cli, folder: Path) -> Path:
    """The same five files, but a melody trained on windows from a zero state (the old way)."""
    import shutil

    from tests.preview.conftest import FAST

    emopia = trained.runs["melody"].parent / "emopia"  # the corpus conftest.py trained on
    run = folder / "melody-windows"
    result = cli("train", "-m", "melody", "--data", emopia, "--epochs", "8", *FAST,
                 "--stream-training", "windows", "-o", run)  # fmt: skip
    assert result.code == 0, result.err
    models = folder / "models"
    shutil.copytree(trained.models, models)
    shutil.copy(run / "melodytransformer.json", models / "melodytransformer.json")
    return models


def _in_register(got: dict, q: int) -> float:
    """Share of the steps whose best note (what `--decode top1` plays) is the quadrant's."""
    return float(np.mean([in_quadrant(p, q) for p in got["best"]]))


def test_every_song_of_a_live_set_keeps_its_confidence_and_register(trained, cli, tmp_path):
    songs = _songs(tmp_path / "songs")
    each = _play(cli, trained.models, songs, tmp_path / "each")
    live = _play(cli, trained.models, songs, tmp_path / "live", "--live-set")
    ratios = _ratios(each, live)
    # Measured: 1.000, 0.992, 0.998, 0.996 (Q1, Q3, Q2, Q4); from a reset each about 0.999.
    print("default ratios", {f"Q{q}": round(r, 3) for q, r in ratios.items()})
    for q in ORDER:
        low, high = QUADRANTS[q][:2]
        for mode, got in (("each", each[q]), ("live", live[q])):
            melody = got["melody"]
            print(mode, f"Q{q}", round(melody["best_note_probability"], 3), "heard", got["heard"],
                  "in register", round(_in_register(got, q), 3))  # fmt: skip
            assert got["heard"] >= 0.8, (mode, q)  # the recognizer takes the song to its quadrant
            assert melody["notes_written"] >= 1, (mode, q)  # not silent at --min-prob 0.1
            # Measured 1.0 from a reset, 0.98-1.0 live (one step at the join follows the song
            # before, as the recognizer does).
            assert _in_register(got, q) >= 0.9, (mode, q)
            assert low <= np.median(got["best"]) <= high, (mode, q)
        assert ratios[q] >= 0.8, ratios
    assert ratios[ORDER[0]] == 1.0  # the first song of a set is the song alone

    # The bar is not met without the default: the melody trained on windows from a zero state
    # collapses in the live set as in the issue (measured Q3 0.04, Q4 0.04; Q2 0.98).
    models = _models_with_windows_melody(trained, cli, tmp_path)
    old = _ratios(
        _play(cli, models, songs, tmp_path / "w-each"),
        _play(cli, models, songs, tmp_path / "w-live", "--live-set"),
    )
    print("windows ratios", {f"Q{q}": round(r, 3) for q, r in old.items()})
    assert min(old.values()) < 0.8 <= min(ratios.values())


def test_the_recognizers_live_set_ccc_keeps_up_with_its_per_song_ccc(trained, cli, tmp_path):
    """evaluate on a fresh DEAM-layout corpus of the same audible kind: the held-out songs
    streamed each from a reset against the same songs back to back as a live set."""
    corpus = make_audible_deam(tmp_path / "deam", n=12, seconds=3.0, seed=5)
    out = tmp_path / "eval"
    result = cli("evaluate", "--checkpoint-dir", trained.runs["emotion"], "--data", corpus,
                 "-o", out, "--json", "--device", "cpu", "--resamples", "200")  # fmt: skip
    assert result.code == 0, result.err
    modes = json.loads((out / "evaluation_results.json").read_text())["models"][
        "emotionrecognizer"
    ]["modes"]
    for dim in ("valence_ccc", "arousal_ccc"):
        each, live = modes["streamed"]["metrics"][dim], modes["live_set"]["metrics"][dim]
        print(dim, "streamed", round(each, 3), "live set", round(live, 3))
        assert each >= 0.5, dim  # it learned: the bar below is not met by two flat lines
        assert live >= each - 0.02, (dim, each, live)
