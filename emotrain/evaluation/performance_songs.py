"""The dynamics engine's and the groove predictor's evaluated clips whole, as the plugin feeds them.

Training cuts each performance into windows of `--seq-len` analysis frames and drops the tail. The
plugin feeds both networks at every frame of a song from the recognizer's embedding
(plugin/wiring.py). This module rebuilds each evaluated clip whole: every frame from 0 s until its
last note ends, the tail included, with the clip's input (data/performance.py `model_input`) on
every frame and its target at every frame, all frames scored. The bootstrap resamples songs: a
song's clips travel together (`Streams.groups`).

Both networks are dense: no state, so an output depends on its frame's input alone. Played from a
reset per clip or as a live set from one reset, every frame gets the same output, so `evaluate`
reports `streamed` (the headline) and the windows, and no live set (stream_modes.py).

Synthetic data is not streamed: its items are the windows themselves, and a dense network's
outputs on them would be the windowed figures again (judge.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from emotrain.evaluation.melody_songs import clip_streams, read_clips
from emotrain.evaluation.whole_songs import Streams, song_order

#: The clips' order in the report (a dense network's outputs do not depend on it).
ORDER = "in name order"


def performance_streams_from_corpus(model: str, data_cfg: Any, songs: list[str]) -> Streams:
    """Every clip of the evaluated songs of a performance MIDI corpus, whole, in name order; clips
    the windows skipped (unreadable, no tempo, shorter than one window) are skipped too."""
    from emotrain.data.performance import model_input, read_performance, targets
    from emotrain.plugin.timing import FRAME_RATE

    def read(item: Any) -> tuple[np.ndarray, np.ndarray]:
        y = targets(model, read_performance(item.path))
        return model_input(model, item.valence, item.arousal).astype(np.float32), y

    clips = sorted(read_clips(data_cfg, songs, read), key=lambda c: song_order(c[0]))
    return clip_streams(
        clips,
        frame_rate=FRAME_RATE,
        how="fed whole (every analysis frame, the tail the windows drop included)",
        order=ORDER,
    )


def performance_streams(spec: Any) -> Any:
    """A builder of `spec`'s evaluated data (an EvalData of a MIDI corpus) whole."""

    def build(data: Any) -> Streams:
        return performance_streams_from_corpus(
            spec.name, data.data_config, sorted(set(data.groups))
        )

    return build
