"""Performance MIDI -> the dynamics engine's and the groove predictor's training sequences.

EMOPIA's clips and the MIDI rows of a labelled folder are performances: velocities, timing and
(often) the sustain pedal of a player. Each clip gives one frame per analysis frame (22,050 / 512
Hz, emotrain.plugin.timing) from 0 s until its last note ends; a frame's target is the dynamics
vector of the 2 s before it (emotrain.plugin.dynamics) or the groove vector of its bar
(emotrain.plugin.groove), and its input the contract's embedding of the clip's label through the
plugin's wiring (dynamics: embedding dims 16-47; groove: the whole embedding), exactly as the
melody gets the clip's embedding at every step. Consecutive frames are cut into non-overlapping
sequences of `seq_len`; a shorter tail is dropped.

Seconds come from the file's own tempo map, so a file without a tempo event is a reported skip:
its timing in seconds would be MIDI's 120 bpm guess. symusic parses a clip in well under a
millisecond and the targets are a few array passes, so nothing is cached: a rerun (or a resume)
rebuilds the very same bits from the files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from emotrain.data.base import DataReport
from emotrain.data.labels import MidiItem
from emotrain.data.midi import MidiReadError, each_readable, load_score
from emotrain.plugin.dynamics import Performance, frame_dynamics, n_frames_of
from emotrain.plugin.embedding import emotion_embedding
from emotrain.plugin.groove import TempoMap, frame_grooves
from emotrain.plugin.timing import FRAME_RATE
from emotrain.plugin.wiring import DYNAMICS, GROOVE, dynamics_input, groove_input

#: The models trained from performance MIDI, in contract order.
PERFORMANCE_MODELS = (DYNAMICS, GROOVE)
#: Longest clip read: 7 hours, as for the melody's piano roll (a note at a huge tick otherwise
#: asks for millions of frames).
MAX_SECONDS = 7 * 3600.0
_PEDAL = 64


@dataclass(frozen=True)
class MidiPerformance:
    """What the two targets need from one file: notes in seconds, onsets in ticks, tempo map."""

    performance: Performance
    onset_ticks: np.ndarray
    tempo: TempoMap


def read_performance(path: str | Path) -> MidiPerformance:
    """The file's non-drum notes and sustain pedal; MidiReadError (a reported skip) when it
    cannot be parsed, has no note outside drum tracks, or has no tempo event."""
    score, tpq = load_score(path)
    cols: dict[str, list[np.ndarray]] = {"time": [], "duration": [], "pitch": [], "velocity": []}
    pedal_t, pedal_v = [], []
    for track in score.tracks:
        if track.is_drum:
            continue
        if len(track.notes):
            arr = track.notes.numpy()
            for key, values in cols.items():
                values.append(arr[key].astype(np.int64))
        if len(track.controls):
            cc = track.controls.numpy()
            sustain = cc["number"] == _PEDAL
            pedal_t.append(cc["time"][sustain].astype(np.int64))
            pedal_v.append(cc["value"][sustain].astype(np.int64))
    if not cols["time"]:
        raise MidiReadError("no notes outside drum tracks")
    tempos = score.tempos.numpy()
    if len(tempos["time"]) == 0:
        raise MidiReadError(
            "no tempo event: its notes' times in seconds are unknown (MIDI's default 120 bpm "
            "would be a guess); dynamics and groove need a tempo map"
        )
    tempo = TempoMap.of(tpq, tempos["time"], tempos["mspq"])
    start = np.concatenate(cols["time"])
    end = start + np.maximum(np.concatenate(cols["duration"]), 1)
    onset_s, end_s = tempo.seconds(start), tempo.seconds(end)
    if float(end_s.max()) > MAX_SECONDS:
        raise MidiReadError(
            f"too long: its last note ends at {float(end_s.max()) / 3600:.1f} h (at most 7 h; "
            "a note at a huge tick?)"
        )
    pt = np.concatenate(pedal_t) if pedal_t else np.zeros(0, dtype=np.int64)
    pv = np.concatenate(pedal_v) if pedal_v else np.zeros(0, dtype=np.int64)
    perf = Performance(
        onset_s,
        end_s,
        np.concatenate(cols["pitch"]) & 0x7F,
        np.concatenate(cols["velocity"]),
        tempo.seconds(pt),
        pv,
    )
    return MidiPerformance(perf, start, tempo)


def targets(model: str, midi: MidiPerformance) -> np.ndarray:
    """(frames, 16 or 32) float32: `model`'s target at every analysis frame of the clip."""
    n = n_frames_of(midi.performance)
    if model == DYNAMICS:
        return frame_dynamics(midi.performance, n)
    if model == GROOVE:
        return frame_grooves(midi.onset_ticks, midi.tempo, n)
    raise ValueError(f"{model} is not trained from performance MIDI")


def model_input(model: str, valence: float, arousal: float) -> np.ndarray:
    """The plugin's input to `model` for a clip labelled (valence, arousal)."""
    emb = emotion_embedding(np.array([valence, arousal]))
    return dynamics_input(emb) if model == DYNAMICS else groove_input(emb)


def performance_sequences(
    model: str,
    items: list[MidiItem],
    root: Path,
    seq_len: int,
    report: DataReport,
    progress=None,
) -> tuple[list[np.ndarray], list[np.ndarray], list[str]]:
    """(inputs, targets, groups) per clip: (n_seq, seq_len, in) and (n_seq, seq_len, out)."""
    xs, ys, groups = [], [], []
    for item, name, midi in each_readable(items, root, report, progress, read_performance):
        y = targets(model, midi)
        n_seq = y.shape[0] // seq_len
        if n_seq == 0:
            report.skip(
                name,
                f"shorter than one sequence ({y.shape[0]} frames < {seq_len}; a frame is "
                f"{1000 / FRAME_RATE:.1f} ms)",
            )
            continue
        ys.append(y[: n_seq * seq_len].reshape(n_seq, seq_len, y.shape[1]))
        x = model_input(model, item.valence, item.arousal)
        xs.append(np.broadcast_to(x, (n_seq, seq_len, x.shape[0])))
        groups.extend([item.song] * n_seq)
    return xs, ys, groups
