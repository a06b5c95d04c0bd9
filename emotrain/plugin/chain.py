"""The plugin's chain over one song: frames -> emotion -> harmony, dynamics, groove; melody per step.

Wiring (plugin/wiring.py, docs/plugin-contract.md): per analysis frame the emotion recognizer runs on the
frame's 128 log-mel bands; harmony on [the 64-d emotion embedding, the frame's first 64 bands];
dynamics on embedding dimensions 16-47; groove on the embedding. Per sixteenth note at the
host tempo the melody transformer runs once on the latest embedding: step k of a file starts at
k * 15 / bpm seconds and reads the last frame whose centre is at or before that time.

Every network runs from its exported JSON through the reference interpreter, so the numbers are the
plugin's. The state of the recurrent networks (recognizer, melody) is zeroed once per `Chain` and
then carries on across every `run_song` call unless `reset=True`: a live set is one reset.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from emotrain.plugin.timing import SAMPLE_RATE, frame_times, melody_steps
from emotrain.plugin.wiring import EMOTION, FRAME_HELPERS, MELODY, helper_input


class Runner(Protocol):
    """An exported network as the plugin runs it: one step per input row, state kept until reset."""

    def run(self, inputs: np.ndarray, *, reset: bool) -> np.ndarray: ...


class LoadedNetwork(Protocol):
    loaded: bool
    model: Runner | None


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

    def __init__(self, models: Mapping[str, LoadedNetwork] | Any, bpm: float):
        self.models = models
        self.bpm = float(bpm)
        self.started = False

    def _net(self, name: str) -> Any:
        net = self.models.get(name)
        return net.model if net.loaded else None

    def run_song(self, samples: np.ndarray, *, reset: bool) -> SongOutputs:
        """Run the chain over one song's samples (mono float32 at 22,050 Hz)."""
        from emotrain.plugin.features import DEFAULT_PARAMS, log_mel

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
        for name in FRAME_HELPERS:
            net = self._net(name)
            if net is not None:
                song.outputs[name] = net.run(helper_input(name, emb, features), reset=fresh)
        melody = self._net(MELODY)
        if melody is not None:
            song.outputs[MELODY] = melody.run(emb[step_frame], reset=fresh)
        return song
