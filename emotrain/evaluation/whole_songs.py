"""Whole songs as the plugin hears them, and the two ways to run a model over them.

Training and the windowed figures cut songs into short sequences, each from a zero state. The
plugin calls `reset()` once and streams: a song from its first frame to its last, and in a live set
one song after another without a reset. This module rebuilds the evaluated songs whole (every frame
of the audio, with a mask of the frames that carry a label: only those are scored) and runs a
checkpoint (PyTorch, its LSTM state carried across blocks) or an exported file (the reference
interpreter) over them, one reset per song or one reset for the whole set.

Synthetic data has no songs: each item is its own stream (so "streamed" equals the windowed figure
there) and the live set plays the items back to back.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from emotrain.errors import DataError
from emotrain.plugin.embedding import emotion_embedding
from emotrain.plugin.timing import FRAME_RATE

#: (songs, carry) -> outputs per song: carry=False resets before each song, True only once.
Streamer = Callable[[list[np.ndarray], bool], list[np.ndarray]]

#: Frames per PyTorch call when streaming: bounds memory on long songs and live sets.
CHUNK = 4096

LIVE_SET_ORDER = "sorted by song id (numeric ids by value)"


@dataclass
class Streams:
    songs: list[str]  # the live set's order
    inputs: list[np.ndarray]  # (T_i, in) float32: every frame of the song
    targets: list[np.ndarray]  # (T_i, out) float32
    masks: list[np.ndarray]  # (T_i,) bool: frames with a label, the ones scored
    frame_rate: float  # frames per second (the audio frame rate; nominal for synthetic items)
    unit: str  # "songs" or "items"
    source: str  # how the streams were made, for the report
    #: The song of each stream, what the bootstrap resamples (None: each stream is its song). The
    #: melody streams clips, several to a song.
    groups: list[str] | None = None
    order: str = LIVE_SET_ORDER  # the live set's order, in the report's words
    stream_unit: str | None = None  # what one stream is, where not one of `unit` ("clips")

    @property
    def song_of(self) -> list[str]:
        return list(self.songs if self.groups is None else self.groups)

    @property
    def each(self) -> str:
        """One stream, in the report's words: "song", "item", "clip"."""
        return (self.stream_unit or self.unit)[:-1]


def song_order(song: str) -> tuple:
    """Natural order: '2' before '10', names by text."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", song))


def streams_from_sequences(inputs: Any, targets: Any, groups: list[str], unit: str) -> Streams:
    """Each sequence its own stream (synthetic items); all frames labelled."""
    x = inputs.detach().cpu().numpy().astype(np.float32)
    y = targets.detach().cpu().numpy().astype(np.float32)
    order = sorted(range(len(groups)), key=lambda i: (song_order(groups[i]), i))
    return Streams(
        songs=[groups[i] for i in order],
        inputs=[x[i] for i in order],
        targets=[y[i] for i in order],
        masks=[np.ones(x.shape[1], dtype=bool) for _ in order],
        frame_rate=FRAME_RATE,
        unit=unit,
        source=f"each of the {len(order)} {unit} streamed whole (synthetic data has no songs)",
    )


def _audio_items(data_cfg: Any) -> tuple[Path, list[Any]]:
    from emotrain.data import deam, folder, pmemo
    from emotrain.data.base import DataReport
    from emotrain.data.corpus import resolve

    root, detection = resolve(data_cfg)
    fmt = detection.format
    report = DataReport(source=str(root), detected_format=fmt)
    mode = getattr(data_cfg, "label_mode", "auto")
    if fmt == "deam":
        return root, deam.plan(root, report, mode)
    if fmt == "pmemo":
        return root, pmemo.plan(root, report, mode)
    return root, folder.plan(root, report, "audio")


def streams_from_corpus(data_cfg: Any, songs: list[str], output_dir: Path | None) -> Streams:
    """The evaluated songs of an audio corpus, whole: features from the same cache as training."""
    from emotrain.data.cache import FeatureCache, extract_all, resolve_cache_dir
    from emotrain.data.labels import frame_labels
    from emotrain.plugin.features import DEFAULT_PARAMS

    wanted = set(songs)
    root, items = _audio_items(data_cfg)
    items = [item for item in items if item.song in wanted]
    cache = FeatureCache(resolve_cache_dir(data_cfg.cache_dir, output_dir), DEFAULT_PARAMS)
    results = extract_all([item.path for item in items], cache)
    by_song: dict[str, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}
    for item, result in zip(items, results, strict=True):
        if result.features is None:
            continue  # the windowed data skipped it too, and said so in the notes
        mask, va = frame_labels(item.label, result.features.shape[0], FRAME_RATE)
        parts = (result.features.astype(np.float32), emotion_embedding(va), mask)
        by_song.setdefault(item.song, []).append(parts)
    order = sorted(by_song, key=song_order)
    if not order:
        raise DataError(f"none of the {len(wanted)} evaluated songs could be read from {root}")
    joined = [[np.concatenate(p) for p in zip(*by_song[s], strict=True)] for s in order]
    return Streams(
        songs=order,
        inputs=[j[0] for j in joined],
        targets=[j[1] for j in joined],
        masks=[j[2] for j in joined],
        frame_rate=FRAME_RATE,
        unit="songs",
        source=f"{len(order)} songs streamed whole from their first frame (every frame of the "
        "audio; the frames with a label are scored)",
    )


def streams_for(data: Any) -> Streams:
    """Whole songs of the evaluated data (an EvalData): from the corpus, or each synthetic item."""
    cfg = data.data_config
    if cfg is None or cfg.kind == "synthetic":
        return streams_from_sequences(data.inputs, data.targets, data.groups, data.group_unit)
    return streams_from_corpus(cfg, sorted(set(data.groups)), data.output_dir)


# ---- running a model over streams ---------------------------------------------------------------


def torch_streamer(model: Any, device: Any = "cpu") -> Streamer:
    """A PluginNetwork over whole songs in blocks of CHUNK frames, its LSTM state carried along
    by the very pass stateful training runs (`PluginNetwork.stream`): the same outputs as one
    forward() over the song (tests check it), in bounded memory."""
    import torch

    def stream(songs: list[np.ndarray], carry: bool) -> list[np.ndarray]:
        state = None
        outputs = []
        with torch.no_grad():
            for song in songs:
                if not carry:
                    state = None
                parts = []
                for s in range(0, song.shape[0], CHUNK):
                    x = torch.from_numpy(song[s : s + CHUNK]).unsqueeze(0).to(device)
                    y, state = model.stream(x, state)
                    parts.append(y[0])
                outputs.append(torch.cat(parts).to("cpu", torch.float64).numpy())
        return outputs

    return stream


def reference_streamer(document: bytes | dict) -> Streamer:
    """An exported file through the reference interpreter: the plugin's computation, in float32."""
    from emotrain.plugin.reference import ReferenceModel

    model = ReferenceModel(document, np.float32)

    def stream(songs: list[np.ndarray], carry: bool) -> list[np.ndarray]:
        model.reset()
        return [model.run(song, reset=not carry).astype(np.float64) for song in songs]

    return stream
