"""The melody's evaluated clips whole, as the plugin plays them: one reset per clip, and a live set.

Training cuts each MIDI clip into windows of `--seq-len` steps from a zero state and drops the
tail. The plugin resets once and plays: a clip from its first step to its last, and in a live set
one clip after another, the emotion changing at every join. This module rebuilds the evaluated
clips whole (every step of the piano roll, the clip's embedding on every step) and orders the live
set so that every join changes the quadrant: the clips taken in turn by quadrant (Q1, Q2, Q3, Q4,
Q1, ...), each quadrant's clips in name order. The bootstrap still resamples songs: a song's clips
travel together (`Streams.groups`).

Synthetic data has no clips: each item is its own stream.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from emotrain.errors import DataError
from emotrain.evaluation.whole_songs import Streams, song_order, streams_from_sequences

#: The live set's order, in the report's words.
LIVE_SET_ORDER = (
    "taken in turn by quadrant (Q1, Q2, Q3, Q4, Q1, ...), each quadrant's in name order"
)


def quadrant_of(inputs: np.ndarray) -> int:
    """The Russell quadrant (1-4) of a clip's first input step (its emotion embedding)."""
    from emotrain.plugin.embedding import quadrants, valence_arousal

    return int(quadrants(*valence_arousal(inputs[:1]))[0])


def round_robin(names: list[str], quadrant: list[int]) -> list[int]:
    """Indices of `names` in turn by quadrant (1 to 4), each quadrant's in natural name order: as
    long as two quadrants have clips left, each join changes the emotion."""
    by_q: dict[int, list[int]] = {}
    for i in sorted(range(len(names)), key=lambda i: (song_order(names[i]), i)):
        by_q.setdefault(quadrant[i], []).append(i)
    lists = [by_q[q] for q in sorted(by_q)]
    rounds = max((len(x) for x in lists), default=0)
    return [x[r] for r in range(rounds) for x in lists if r < len(x)]


def _in_live_order(
    names: list[str], groups: list[str], inputs: list[np.ndarray], targets: list[np.ndarray]
) -> tuple[list[str], list[str], list[np.ndarray], list[np.ndarray]]:
    order = round_robin(names, [quadrant_of(x) for x in inputs])
    return (
        [names[i] for i in order],
        [groups[i] for i in order],
        [inputs[i] for i in order],
        [targets[i] for i in order],
    )


def midi_items(data_cfg: Any) -> tuple[Any, list[Any]]:
    from emotrain.data import emopia, folder
    from emotrain.data.base import DataReport
    from emotrain.data.corpus import resolve

    root, detection = resolve(data_cfg)
    report = DataReport(source=str(root), detected_format=detection.format)
    if detection.format == "emopia":
        return root, emopia.plan(root, report)
    return root, folder.plan(root, report, "midi")


def read_clips(
    data_cfg: Any, songs: list[str], read: Callable[[Any], tuple[np.ndarray, np.ndarray]]
) -> list[tuple[str, str, np.ndarray, np.ndarray]]:
    """(name, song, input on every step, target) of each clip of the evaluated `songs` of a MIDI
    corpus, whole. `read(item)` gives the clip's input vector and its targets; a clip the windows
    skipped (unreadable, shorter than one window) is skipped here too."""
    from emotrain.data.midi import MidiReadError

    wanted = set(songs)
    root, items = midi_items(data_cfg)
    folder = root / "midis" if (root / "midis").is_dir() else root
    clips = []
    for item in items:
        if item.song not in wanted:
            continue
        try:
            x, y = read(item)
        except MidiReadError:
            continue  # the windowed data skipped it too, and said so in the notes
        if y.shape[0] < data_cfg.seq_len:
            continue
        where = folder if item.path.is_relative_to(folder) else root
        name = item.path.relative_to(where).with_suffix("").as_posix()
        whole = np.ascontiguousarray(np.broadcast_to(x, (y.shape[0], x.shape[0])))
        clips.append((name, item.song, whole, y.astype(np.float32)))
    if not clips:
        raise DataError(f"none of the {len(wanted)} evaluated songs could be read from {root}")
    return clips


def clip_streams(
    clips: list[tuple[str, str, np.ndarray, np.ndarray]], *, frame_rate: float, how: str, order: str
) -> Streams:
    """`read_clips`' clips as Streams, every step scored; `how` ends the source's words."""
    names, groups, inputs, targets = (list(c) for c in zip(*clips, strict=True))
    return Streams(
        songs=names,
        inputs=inputs,
        targets=targets,
        masks=[np.ones(t.shape[0], dtype=bool) for t in targets],
        frame_rate=frame_rate,
        unit="songs",
        source=f"{len(names)} clips of {len(set(groups))} songs, each {how}",
        groups=groups,
        order=order,
        stream_unit="clips",
    )


def melody_streams_from_corpus(data_cfg: Any, songs: list[str]) -> Streams:
    """Every clip of the evaluated songs of a MIDI corpus, whole, in the live set's order."""
    from emotrain.data.midi import piano_roll
    from emotrain.plugin.embedding import emotion_embedding

    def read(item: Any) -> tuple[np.ndarray, np.ndarray]:
        emb = emotion_embedding(np.array([item.valence, item.arousal])).astype(np.float32)
        return emb, piano_roll(item.path)

    clips = read_clips(data_cfg, songs, read)
    live = round_robin([c[0] for c in clips], [quadrant_of(c[2]) for c in clips])
    return clip_streams(
        [clips[i] for i in live],
        frame_rate=0.0,  # steps follow each clip's tempo: no fixed rate
        how="played whole from its first step",
        order=LIVE_SET_ORDER,
    )


def melody_streams(data: Any) -> Streams:
    """The evaluated melody data (an EvalData) whole: clips of a MIDI corpus, or each item."""
    cfg = data.data_config
    if cfg is None or cfg.kind == "synthetic":
        s = streams_from_sequences(data.inputs, data.targets, data.groups, data.group_unit)
        s.songs, s.groups, s.inputs, s.targets = _in_live_order(
            s.songs, list(s.songs), s.inputs, s.targets
        )
        s.order = LIVE_SET_ORDER
        return s
    return melody_streams_from_corpus(cfg, sorted(set(data.groups)))
