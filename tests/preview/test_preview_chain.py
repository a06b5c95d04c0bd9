"""What preview computes: the recognizer's curve, the melody it leads to, the files, a live set."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from melodies import in_quadrant


def _csv(path: Path) -> dict[str, np.ndarray]:
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {k: np.array([float(r[k]) for r in rows]) for k in rows[0]}


def _midi_steps(path: Path) -> list[int]:
    """The pitch of every sounding sixteenth step of a preview's melody.mid."""
    from symusic import Score

    score = Score(str(path))
    step = score.ticks_per_quarter // 4
    notes = [n for t in score.tracks for n in t.notes]
    # a start moved by the groove's micro-timing snaps back to its step (nearest, half up); the
    # end stays on the grid
    return [n.pitch for n in notes for _ in range((n.time + n.duration) // step
                                                  - (n.time + step // 2) // step)]  # fmt: skip


def test_emotion_curve_is_the_checkpoint_streamed_over_the_same_frames(trained, previewed) -> None:
    import torch

    import emotrain
    from emotrain.data.audio import load_audio
    from emotrain.plugin.features import log_mel

    model = emotrain.load_model(
        trained.runs["emotion"] / "checkpoints" / "emotionrecognizer_best.pt"
    )
    for q, song in trained.songs.items():
        frames = log_mel(load_audio(song))
        with torch.no_grad():
            emb = model(torch.from_numpy(frames)[None]).numpy()[0].astype(np.float64)
        table = _csv(previewed / f"q{q}" / "emotion.csv")
        assert table["valence"].shape == (frames.shape[0],)
        assert np.abs(table["valence"] - emb[:, :32].mean(1)).max() <= 1e-5
        assert np.abs(table["arousal"] - emb[:, 32:].mean(1)).max() <= 1e-5
        # time_s is each frame's centre: frame i is centred on sample i * 512 at 22,050 Hz
        assert np.allclose(table["time_s"], np.arange(frames.shape[0]) * 512 / 22050, atol=1e-6)


def _shares(pitches: list[int]) -> list[float]:
    return [sum(in_quadrant(p, k) for p in pitches) / max(1, len(pitches)) for k in (1, 2, 3, 4)]


@pytest.mark.parametrize("decode", ["top1", "sample"])
def test_each_song_melody_lands_in_its_quadrant_register_and_scale(
    trained, previewed, cli, tmp_path, decode
) -> None:
    out = previewed
    if decode == "sample":
        out = tmp_path / "sample"
        songs = [trained.songs[q] for q in sorted(trained.songs)]
        result = cli("preview", *songs, "--models", trained.models, "-o", out,
                     "--decode", "sample", "--min-prob", "0.2", "--seed", "3")  # fmt: skip
        assert result.code == 0, result.err
    for q in trained.songs:
        pitches = _midi_steps(out / f"q{q}" / "melody.mid")
        shares = _shares(pitches)
        print(decode, f"Q{q}", len(pitches), "steps; shares Q1..Q4", [round(s, 2) for s in shares])
        # Measured (top1 and sample): 1.0 in the song's own quadrant, 0.0 in each of the others.
        assert len(pitches) >= 0.5 * 4.0 * 8  # at least half the steps sound
        assert shares[q - 1] >= 0.8
        assert shares[q - 1] >= max(s for k, s in enumerate(shares) if k != q - 1) + 0.6
        summary = json.loads((out / f"q{q}" / "summary.json").read_text())
        assert summary["emotion"]["quadrant_share"][f"Q{q}"] >= 0.8


def test_outputs_hold_every_network_with_time_axes_and_where_it_came_from(
    trained, previewed
) -> None:
    from symusic import Score

    from emotrain.io import sha256_file

    folder = previewed / "q1"
    summary = json.loads((folder / "summary.json").read_text())
    for name, net in summary["models"]["networks"].items():
        assert net["status"] == "loaded"
        assert net["sha256"] == sha256_file(trained.models / f"{name}.json")
    with np.load(folder / "outputs.npz") as npz:
        frames, steps = npz["frame_time_s"].shape[0], npz["step_time_s"].shape[0]
        assert frames == summary["frames"] and steps == summary["melody_steps"] == 4 * 8
        want = {"emotionrecognizer": (frames, 64), "harmonypredictor": (frames, 64),
                "dynamicsengine": (frames, 16), "groovepredictor": (frames, 32),
                "melodytransformer": (steps, 128)}  # fmt: skip
        for name, shape in want.items():
            assert npz[name].shape == shape
        # step k (k * 0.125 s at 120 bpm) reads the last frame centred at or before it
        assert np.all(npz["frame_time_s"][npz["step_frame"]] <= npz["step_time_s"] + 1e-9)
        assert np.all(npz["frame_time_s"][npz["step_frame"] + 1] > npz["step_time_s"])
    score = Score(str(folder / "melody.mid"))
    notes = [n for t in score.tracks for n in t.notes]
    melody = summary["melody"]
    assert len(notes) == melody["notes_written"] >= 1
    assert min(n.pitch for n in notes) == melody["lowest"]
    assert max(n.pitch for n in notes) == melody["highest"]
    assert score.tempos[0].qpm == pytest.approx(120.0)
    for png in ("emotion.png", "melody.png"):
        assert (folder / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_live_set_carries_state_from_song_to_song_and_nothing_else(trained, cli, tmp_path) -> None:
    from emotrain.data.audio import load_audio
    from emotrain.plugin.features import log_mel
    from emotrain.plugin.reference import ReferenceModel

    songs = [trained.songs[3], trained.songs[1]]
    args = ["--models", trained.models, "--decode", "sample", "--seed", "5"]
    assert cli("preview", *songs, "-o", tmp_path / "each", *args).code == 0
    live = cli("preview", *songs, "-o", tmp_path / "live", "--live-set", *args)
    assert live.code == 0, live.err
    first, second = (np.load(tmp_path / d / "q3" / "outputs.npz") for d in ("each", "live"))
    for key in first.files:  # the first song of a set is the song alone
        assert np.array_equal(first[key], second[key]), key
    each, live_npz = (np.load(tmp_path / d / "q1" / "outputs.npz") for d in ("each", "live"))
    assert not np.array_equal(each["emotionrecognizer"], live_npz["emotionrecognizer"])
    # ...and the second is the first's state carried on: reset(), song 1, then song 2
    emotion = ReferenceModel(trained.models / "emotionrecognizer.json")
    emotion.run(log_mel(load_audio(songs[0])))
    carried = emotion.run(log_mel(load_audio(songs[1])), reset=False)
    assert np.array_equal(carried, live_npz["emotionrecognizer"])
    groove = ReferenceModel(trained.models / "groovepredictor.json")
    assert np.array_equal(groove.run(carried), live_npz["groovepredictor"])
    # the same seed gives the same bytes, whichever songs were previewed before this one
    again = cli("preview", songs[1], "-o", tmp_path / "again", *args)
    assert again.code == 0
    same = (tmp_path / "each" / "q1" / "melody.mid").read_bytes()
    assert same == (tmp_path / "again" / "q1" / "melody.mid").read_bytes()
