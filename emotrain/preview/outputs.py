"""A song's preview folder: emotion.csv, outputs.npz, summary.json, melody.mid and the two PNGs.

Every file is rendered in memory and written atomically, so an interrupted preview never leaves a
half-written file that looks finished.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np

from emotrain.io import atomic_write_bytes, atomic_write_json, atomic_write_text
from emotrain.plugin.chain import SongOutputs
from emotrain.plugin.embedding import quadrants, valence_arousal
from emotrain.plugin.timing import HOP, SAMPLE_RATE
from emotrain.plugin.wiring import DYNAMICS, EMOTION, HARMONY, MELODY
from emotrain.preview.decode import midi_bytes, notes_of, step_pitches
from emotrain.preview.expression import describe, mean_dynamics, note_offsets, note_velocities
from emotrain.preview.plots import emotion_figure, melody_figure

FILES = ("emotion.csv", "outputs.npz", "emotion.png", "melody.png", "melody.mid", "chords.csv",
         "summary.json")  # fmt: skip


def emotion_csv(time_s: np.ndarray, valence: np.ndarray, arousal: np.ndarray, q: np.ndarray) -> str:
    lines = ["time_s,valence,arousal,quadrant"]
    lines += [
        f"{t:.6f},{v:.7f},{a:.7f},{int(k)}"
        for t, v, a, k in zip(
            time_s.tolist(), valence.tolist(), arousal.tolist(), q.tolist(), strict=True
        )
    ]
    return "\n".join(lines) + "\n"


def npz_bytes(song: SongOutputs) -> bytes:
    arrays: dict[str, np.ndarray] = {
        "frame_time_s": song.frame_time_s,
        "step_time_s": song.step_time_s,
        "step_frame": song.step_frame,
    }
    arrays.update({name: out for name, out in song.outputs.items()})
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def write_song(
    folder: Path,
    stem: str,
    song: SongOutputs,
    *,
    bpm: float,
    decode: str,
    min_prob: float,
    seed: int,
    step_s: float,
) -> dict[str, Any]:
    """Write the song's files; returns the summary's song-specific part."""
    from emotrain.plotting.figures import figure_png

    folder.mkdir(parents=True, exist_ok=True)
    summary: dict[str, Any] = {
        "duration_s": round(song.duration_s, 6),
        "frames": int(song.features.shape[0]),
        "melody_steps": int(song.step_time_s.shape[0]),
        "networks_run": sorted(song.outputs),
        "notes": list(song.notes),
        "emotion": None,
        "melody": None,
        "dynamics": None,
        "harmony": None,
        "files": ["outputs.npz"],
    }
    atomic_write_bytes(folder / "outputs.npz", npz_bytes(song))
    if EMOTION in song.outputs:
        v, a = valence_arousal(song.outputs[EMOTION])
        q = quadrants(v, a)
        frame_s = HOP / SAMPLE_RATE  # each frame stands for one hop of audio
        atomic_write_text(folder / "emotion.csv", emotion_csv(song.frame_time_s, v, a, q))
        fig = emotion_figure(song.frame_time_s, v, a, q, f"{stem}: emotion the plugin hears")
        atomic_write_bytes(folder / "emotion.png", figure_png(fig))
        summary["emotion"] = {
            "mean_valence": round(float(v.mean()), 6),
            "mean_arousal": round(float(a.mean()), 6),
            "quadrant_seconds": {
                f"Q{k}": round(float((q == k).sum()) * frame_s, 3) for k in (1, 2, 3, 4)
            },
            "quadrant_share": {f"Q{k}": round(float((q == k).mean()), 4) for k in (1, 2, 3, 4)},
        }
        summary["files"] += ["emotion.csv", "emotion.png"]
    lane = None
    if HARMONY in song.outputs:
        from emotrain.preview.chords import chord_beats, chords_csv, segments

        beats = chord_beats(song.outputs[HARMONY], song.duration_s, bpm)
        lane = segments(beats, song.duration_s)
        atomic_write_text(folder / "chords.csv", chords_csv(beats))
        summary["harmony"] = {
            "rule": "per beat, the chord with the highest mean probability over its frames",
            "bpm": bpm,
            "beats": len(beats),
            "sequence": [{"start_s": s.start_s, "end_s": s.end_s, "chord": s.chord} for s in lane],
        }
        summary["files"].append("chords.csv")
    if MELODY in song.outputs:
        probs = song.outputs[MELODY]
        notes = notes_of(step_pitches(probs, decode, min_prob, seed))
        velocities, offsets = note_velocities(notes, song), note_offsets(notes, song)
        atomic_write_bytes(folder / "melody.mid", midi_bytes(notes, bpm, velocities, offsets))
        title = f"{stem}: melody at {bpm:g} bpm ({decode}, min prob {min_prob:g})"
        fig = melody_figure(song.step_time_s, probs, notes, step_s, title, lane)
        atomic_write_bytes(folder / "melody.png", figure_png(fig))
        pitches = [n.pitch for n in notes]
        summary["melody"] = {
            "decode": decode,
            "min_prob": min_prob,
            "seed": seed,
            "bpm": bpm,
            "notes_written": len(notes),
            "rest_steps": int(probs.shape[0] - sum(n.steps for n in notes)),
            # Mean over steps of the most probable note's probability: how sure the melody is
            # (compare a song's figure alone and inside a --live-set: docs/preview.md).
            "best_note_probability": float(probs.max(-1).mean()) if probs.size else None,
            "lowest": min(pitches, default=None),
            "highest": max(pitches, default=None),
            **describe(velocities, offsets),
        }
        summary["files"] += ["melody.mid", "melody.png"]
    if DYNAMICS in song.outputs:
        summary["dynamics"] = {"mean": mean_dynamics(song)}
    summary["files"].append("summary.json")
    return summary


def save_summary(folder: Path, summary: dict[str, Any]) -> Path:
    return atomic_write_json(folder / "summary.json", summary)
