"""The dynamics engine's and the groove predictor's evaluated clips whole, as the plugin feeds them.

Training cuts each performance into windows of `--seq-len` analysis frames and drops the tail. The
plugin feeds both networks at every frame of a song from the recognizer's embedding
(plugin/wiring.py). This module rebuilds each evaluated clip whole: every frame from 0 s until its
last note ends, the tail included, with the clip's input (data/performance.py `model_input`) on
every frame and its target at every frame, all frames scored. The bootstrap resamples songs: a
song's clips travel together (`Streams.groups`).

Both networks are dense: no state, so an output depends on its frame's input alone. Played from a
reset per clip or as a live set from one reset, every frame gets the same output, so `evaluate`
reports `streamed` (the headline) and the windows, and no live set (streamed.py).

Synthetic data is not streamed: its items are the windows themselves, and a dense network's
outputs on them would be the windowed figures again (judge.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from emotrain.errors import DataError
from emotrain.evaluation.melody_streams import midi_items
from emotrain.evaluation.streams import Streams, song_order

#: The clips' order in the report (a dense network's outputs do not depend on it).
ORDER = "in name order"


def performance_streams_from_corpus(model: str, data_cfg: Any, songs: list[str]) -> Streams:
    """Every clip of the evaluated songs of a performance MIDI corpus, whole; clips the windows
    skipped (unreadable, no tempo, shorter than one window) are skipped too."""
    from emotrain.data.midi import MidiReadError
    from emotrain.data.performance import model_input, read_performance, targets
    from emotrain.plugin.timing import FRAME_RATE

    wanted = set(songs)
    root, items = midi_items(data_cfg)
    folder = root / "midis" if (root / "midis").is_dir() else root
    clips: list[tuple[str, str, np.ndarray, np.ndarray]] = []
    for item in items:
        if item.song not in wanted:
            continue
        try:
            midi = read_performance(item.path)
        except MidiReadError:
            continue  # the windowed data skipped it too, and said so in the notes
        y = targets(model, midi)
        if y.shape[0] < data_cfg.seq_len:
            continue
        x = model_input(model, item.valence, item.arousal).astype(np.float32)
        where = folder if item.path.is_relative_to(folder) else root
        name = item.path.relative_to(where).with_suffix("").as_posix()
        whole = np.ascontiguousarray(np.broadcast_to(x, (y.shape[0], x.shape[0])))
        clips.append((name, item.song, whole, y.astype(np.float32)))
    if not clips:
        raise DataError(f"none of the {len(wanted)} evaluated songs could be read from {root}")
    clips.sort(key=lambda c: song_order(c[0]))
    names, groups, inputs, outputs = (list(x) for x in zip(*clips, strict=True))
    return Streams(
        songs=names,
        inputs=inputs,
        targets=outputs,
        masks=[np.ones(t.shape[0], dtype=bool) for t in outputs],
        frame_rate=FRAME_RATE,
        unit="songs",
        source=f"{len(names)} clips of {len(set(groups))} songs, each fed whole (every analysis "
        "frame, the tail the windows drop included)",
        groups=groups,
        order=ORDER,
        stream_unit="clips",
    )


def performance_streams(spec: Any) -> Any:
    """A builder of `spec`'s evaluated data (an EvalData of a MIDI corpus) whole."""

    def build(data: Any) -> Streams:
        return performance_streams_from_corpus(
            spec.name, data.data_config, sorted(set(data.groups))
        )

    return build
