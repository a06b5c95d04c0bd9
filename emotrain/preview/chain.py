"""The plugin's chain over one song: frames -> emotion -> harmony, dynamics, groove; melody per step.

Wiring (shared/design/plugin-contract.md): per analysis frame the emotion recognizer runs on the
frame's 128 log-mel bands; harmony on [the 64-d emotion embedding, the frame's first 64 bands];
dynamics on the embedding's first 32 dimensions; groove on the embedding. Per sixteenth note at the
host tempo the melody transformer runs once on the latest embedding: step k of a file starts at
k * 15 / bpm seconds and reads the last frame whose centre is at or before that time.

Every network runs from its exported JSON through the reference interpreter, so the numbers are the
plugin's. The state of the recurrent networks (recognizer, melody) is zeroed once per `Chain` and
then carries on across every `run_song` call unless `reset=True`: a live set is one reset.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from emotrain.preview.sources import DYNAMICS, EMOTION, GROOVE, HARMONY, MELODY, ModelSet

SAMPLE_RATE = 22050
HOP = 512
FRAME_RATE = SAMPLE_RATE / HOP


def step_seconds(bpm: float) -> float:
    """One sixteenth note: a quarter note is 60 / bpm seconds."""
    return 60.0 / bpm / 4.0


def frame_times(n_frames: int) -> np.ndarray:
    """Frame i's centre in seconds: the features are centred (librosa's center=True) on sample
    i * hop, so frame 0 is at 0 s."""
    return np.arange(n_frames, dtype=np.float64) * HOP / SAMPLE_RATE


def melody_steps(n_samples: int, bpm: float) -> tuple[np.ndarray, np.ndarray]:
    """(step start times, index of the frame each step reads) for a song of n_samples."""
    duration = n_samples / SAMPLE_RATE
    dt = step_seconds(bpm)
    count = max(1, int(np.ceil(duration / dt - 1e-9)))
    times = np.arange(count, dtype=np.float64) * dt
    n_frames = 1 + n_samples // HOP
    # the last frame whose centre is at or before the step (a tiny epsilon keeps exact hits)
    frames = np.minimum(np.floor(times * FRAME_RATE + 1e-9).astype(np.int64), n_frames - 1)
    return times, frames


def valence_arousal(embedding: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The contract's reading: valence = mean of dims 0-31, arousal = mean of dims 32-63."""
    e = embedding.astype(np.float64)
    return e[:, :32].mean(axis=1), e[:, 32:64].mean(axis=1)


def quadrants(valence: np.ndarray, arousal: np.ndarray) -> np.ndarray:
    """Russell quadrant per frame: 1 (v+, a+), 2 (v-, a+), 3 (v-, a-), 4 (v+, a-); 0 counts as +."""
    v, a = valence >= 0, arousal >= 0
    return np.where(a, np.where(v, 1, 2), np.where(v, 4, 3)).astype(np.int8)


@dataclass
class SongOutputs:
    """Every network's raw outputs with their time axes; absent networks have no entry."""

    n_samples: int
    features: np.ndarray
    frame_time_s: np.ndarray
    step_time_s: np.ndarray
    step_frame: np.ndarray
    outputs: dict[str, np.ndarray] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        return self.n_samples / SAMPLE_RATE


class Chain:
    """The loaded networks and their state; one object per reset."""

    def __init__(self, models: ModelSet, bpm: float):
        self.models = models
        self.bpm = float(bpm)
        self.started = False

    def _net(self, name: str) -> Any:
        net = self.models.get(name)
        return net.model if net.loaded else None

    def run_song(self, samples: np.ndarray, *, reset: bool) -> SongOutputs:
        """Run the chain over one song's samples (mono float32 at 22,050 Hz)."""
        from emotrain.data.features import DEFAULT_PARAMS, log_mel

        fresh = reset or not self.started
        self.started = True
        features = log_mel(samples, DEFAULT_PARAMS)
        times, step_frame = melody_steps(samples.shape[0], self.bpm)
        song = SongOutputs(
            samples.shape[0], features, frame_times(features.shape[0]), times, step_frame
        )
        emotion = self._net(EMOTION)
        if emotion is None:
            song.notes.append(
                "no emotion recognizer: the plugin uses its heuristic emotion, which preview does "
                "not reproduce, so the networks it feeds are not run either"
            )
            return song
        emb = emotion.run(features, reset=fresh)
        song.outputs[EMOTION] = emb
        inputs = {
            HARMONY: lambda: np.concatenate([emb, features[:, :64]], axis=1),
            DYNAMICS: lambda: emb[:, :32],
            GROOVE: lambda: emb,
        }
        for name, make in inputs.items():
            net = self._net(name)
            if net is not None:
                song.outputs[name] = net.run(make(), reset=fresh)
        melody = self._net(MELODY)
        if melody is not None:
            song.outputs[MELODY] = melody.run(emb[step_frame], reset=fresh)
        return song
