"""The harmony network judged as chord recognition: held-out songs streamed whole, scored by WCSR.

Each evaluated song of a chord corpus is rebuilt whole, every frame with the input the plugin gives
harmony (the emotion embedding of the corpus's recipe, then the frame's first 64 bands), run from
one reset (a checkpoint in PyTorch, an export through the reference interpreter), and its most
probable class per frame is scored against the song's annotation with MIREX's WCSR (wcsr.py) on
the root, majmin and sevenths rules; the headline is majmin. The baseline knows no emotion and no
audio: every frame it says the chord most frequent in the training split (the argmax of the
training split's chord frequencies). Model and baseline are compared by the paired bootstrap over
songs, as every other verdict.

Harmony itself is dense, but where its run names `--emotion-model` its input carries state: the
recognizer's embedding, which in a live set still holds the last song's emotion at a join. Those
runs are also judged as a live set: every file back to back, the recognizer run from one reset
over all of them (`live_set`). With labels.csv emotion the input has no state, and a live set
would repeat the streamed figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from emotrain.errors import DataError
from emotrain.evaluation import verdicts, wcsr
from emotrain.evaluation.whole_songs import Streamer, song_order


@dataclass
class ChordStreams:
    names: list[str]  # one entry per audio file
    songs: list[str]  # the split group of each file (what the bootstrap resamples)
    inputs: list[np.ndarray]  # (T_i, 128) float32
    classes: list[np.ndarray]  # (T_i,) int64 target class per frame, -1 excluded
    annotations: list[Any]  # ChordAnnotation per file
    frame_rate: float
    notes: list[str]
    #: (T_i, 128) bands per file, kept only where a recognizer makes the embedding (the live set).
    features: list[np.ndarray] = field(default_factory=list)
    recognizer: Any = None  # EmotionRecognizer of the run's --emotion-model, else None


def chord_streams(data_cfg: Any, songs: list[str], output_dir: Path | None) -> ChordStreams:
    """The evaluated songs' files of a chord corpus, whole, built as training built them."""
    from emotrain.data import chord_corpus
    from emotrain.data.base import DataReport
    from emotrain.data.cache import FeatureCache, extract_all, resolve_cache_dir
    from emotrain.data.corpus import resolve
    from emotrain.plugin.features import DEFAULT_PARAMS

    root, _ = resolve(data_cfg)
    recognizer = chord_corpus.emotion_recognizer(root, data_cfg.emotion_model)
    report = DataReport(source=str(root), detected_format=chord_corpus.FORMAT)
    wanted = set(songs)
    items = [
        item
        for item in chord_corpus.plan(root, report, use_labels=recognizer is None)
        if item.song in wanted
    ]
    items.sort(key=lambda item: (song_order(item.song), item.name))
    cache = FeatureCache(resolve_cache_dir(data_cfg.cache_dir, output_dir), DEFAULT_PARAMS)
    results = extract_all([item.path for item in items], cache)
    out = ChordStreams([], [], [], [], [], DEFAULT_PARAMS.frame_rate, [], recognizer=recognizer)
    for item, result in zip(items, results, strict=True):
        if result.features is None:
            continue  # the windowed data skipped it too, and said so in the notes
        inputs, classes = chord_corpus.song_frames(item, result.features, recognizer)
        out.names.append(item.name)
        out.songs.append(item.song)
        out.inputs.append(inputs)
        out.classes.append(classes)
        out.annotations.append(item.annotation)
        if recognizer is not None:
            out.features.append(result.features)
    if not out.names:
        raise DataError(f"none of the {len(wanted)} evaluated songs could be read from {root}")
    return out


def baseline_class(baseline_targets: Any) -> int:
    """The most frequent chord class of the training split (its one-hot targets summed)."""
    counts = baseline_targets.detach().to("cpu").double().reshape(-1, 64).sum(0)
    return int(counts.argmax())


def _spread(outputs: list[np.ndarray], classes: list[np.ndarray]) -> float | None:
    """Spread of the predicted distributions over the scored frames relative to the one-hot
    targets' (as verdicts.prediction_spread): a constant prediction cannot be better."""
    scored = [c >= 0 for c in classes]
    p = np.concatenate([o[m] for o, m in zip(outputs, scored, strict=True)])
    idx = np.concatenate([c[m] for c, m in zip(classes, scored, strict=True)])
    if idx.size == 0:
        return None
    t = np.zeros_like(p)
    t[np.arange(idx.size), idx] = 1.0
    target_spread = float(np.sqrt(t.var(0).sum()))
    return None if target_spread == 0.0 else float(np.sqrt(p.var(0).sum())) / target_spread


def judge_chords(
    spec: Any,
    streams: ChordStreams,
    outputs: list[np.ndarray],
    base_class: int,
    opts: verdicts.BootstrapOptions,
) -> dict[str, Any]:
    """The streamed block of the report: WCSR figures beside the baseline's, per-song bootstrap."""
    from emotrain.plugin.chords import CLASS_NAMES
    from emotrain.stats import paired_bootstrap_many

    model_parts, base_parts = [], []
    for out, classes, annotation in zip(outputs, streams.classes, streams.annotations, strict=True):
        est = np.asarray(out).argmax(axis=-1).astype(np.int64)
        const = np.full(classes.shape[0], base_class, dtype=np.int64)
        for parts, guess in ((model_parts, est), (base_parts, const)):
            parts.append(
                wcsr.song_parts(annotation.intervals, annotation.labels, guess, streams.frame_rate)
            )
    model_arr, base_arr = np.stack(model_parts), np.stack(base_parts)
    keep = model_arr[:, 1::2].sum(1) > 0  # files with some scored time
    if not keep.any():
        raise DataError("no evaluated song has a chord the rules score (all N-less X or gaps?)")
    model_arr, base_arr = model_arr[keep], base_arr[keep]
    songs = [s for s, k in zip(streams.songs, keep, strict=True) if k]

    def stat_model(idx: np.ndarray) -> dict[str, float | None]:
        return wcsr.figures(model_arr[idx])

    def stat_base(idx: np.ndarray) -> dict[str, float | None]:
        return wcsr.figures(base_arr[idx])

    results = paired_bootstrap_many(
        stat_model, stat_base, songs, n_resamples=opts.n_resamples, seed=opts.seed,
        confidence=verdicts.CONFIDENCE,
    )  # fmt: skip
    everything = np.arange(len(songs))
    scores, base_scores = stat_model(everything), stat_base(everything)
    judged_spec = replace(spec, metric=wcsr.HEADLINE, higher_is_better=True)
    spread = _spread(outputs, streams.classes)
    headline, notes = verdicts.headline(judged_spec, scores, base_scores, results, spread)
    return {
        "n_songs": len(set(songs)),
        "n_files": len(songs),
        "n_frames": int(sum(o.shape[0] for o in outputs)),
        "n_scored_frames": int(sum(int((c >= 0).sum()) for c in streams.classes)),
        "headline": headline,
        "metrics": scores,
        "baseline": base_scores,
        "comparison": verdicts.comparisons(results),
        "bootstrap": verdicts.bootstrap_description(results, "songs"),
        "notes": notes,
        "how": f"{len(songs)} file(s) of {len(set(songs))} song(s) streamed whole, each from one "
        "reset(); the most probable chord per frame scored by weighted chord symbol recall "
        "(MIREX root, majmin, sevenths; duration-weighted)",
        "baseline_chord": CLASS_NAMES[base_class],
    }


def live_inputs(streams: ChordStreams) -> list[np.ndarray] | None:
    """Harmony's input to every file of a live set: the recognizer run over all the files back to
    back from one reset, then each frame's first 64 bands; None where no recognizer feeds it."""
    from emotrain.plugin.wiring import HARMONY_BANDS, harmony_input

    if streams.recognizer is None:
        return None
    model = streams.recognizer.model
    model.reset()
    out = []
    for features in streams.features:
        embedding = np.asarray(model.run(features, reset=False), dtype=np.float32)
        out.append(harmony_input(embedding, features[:, :HARMONY_BANDS]).astype(np.float32))
    return out


def evaluate_chords(
    spec: Any, data: Any, streamer: Streamer, opts: verdicts.BootstrapOptions, *, what: str
) -> dict[str, dict[str, Any]]:
    """`judge_chords` on the evaluated data's songs (an EvalData of a chord corpus): `streamed`,
    and `live_set` where the recognizer's state reaches harmony's input."""
    from emotrain.errors import CheckpointError

    streams = chord_streams(data.data_config, sorted(set(data.groups)), data.output_dir)
    base = baseline_class(data.baseline_targets)
    live = live_inputs(streams)
    modes = {}
    for mode, inputs in (("streamed", streams.inputs), ("live_set", live)):
        if inputs is None:
            continue
        outputs = streamer(inputs, False)  # dense: its own state is none, the input's is in it
        if not all(bool(np.isfinite(o).all()) for o in outputs):
            raise CheckpointError(
                f"cannot evaluate {what}: its streamed predictions are not finite"
            )
        modes[mode] = judge_chords(spec, streams, outputs, base, opts)
    if "live_set" in modes:
        modes["live_set"]["how"] = (
            f"the {len(streams.names)} file(s) back to back, the --emotion-model recognizer run "
            "over them from a single reset() (sorted by song id), so each song's embedding "
            "starts from the last one's; harmony scored as streamed"
        )
        modes["live_set"]["order"] = "sorted by song id"
        modes["live_set"]["songs"] = list(streams.names)
    return modes


def is_chord_data(spec: Any, data: Any) -> bool:
    cfg = getattr(data, "data_config", None)
    if spec.judged_whole != "chord_songs" or cfg is None or cfg.kind == "synthetic":
        return False
    from emotrain.data.corpus import resolve

    return resolve(cfg)[1].format == "chords"


def compare_chords(
    side_a: Any, side_b: Any, chosen: Any, margins: dict[str, float], n_resamples: int, seed: int
) -> dict[str, Any]:
    """Both harmony sides over the chord corpus's songs streamed whole, compared by WCSR with the
    bootstrap resampling songs (evaluation/harmony.py builds the songs as `evaluate` does)."""
    import torch

    from emotrain.errors import ConfigError
    from emotrain.evaluation.comparison_stats import CHORDS, compare_predictions

    streams = chord_streams(chosen.data_config, sorted(set(chosen.groups)), chosen.output_dir)
    parts = []
    for side in (side_a, side_b):
        outputs = side.streamer(streams.inputs, False)
        if not all(bool(np.isfinite(o).all()) for o in outputs):
            raise ConfigError(f"{side.label}: its predictions are not finite; nothing to compare")
        rows = [
            wcsr.song_parts(ann.intervals, ann.labels, np.asarray(o).argmax(-1), streams.frame_rate)
            for o, ann in zip(outputs, streams.annotations, strict=True)
        ]
        parts.append(torch.from_numpy(np.stack(rows)))
    dummy = torch.zeros((len(streams.names), 1), dtype=torch.float64)
    stats = compare_predictions(
        CHORDS, parts[0], parts[1], dummy, list(streams.songs),
        margins=margins, n_resamples=n_resamples, seed=seed,
    )  # fmt: skip
    stats["n_frames"] = int(sum(x.shape[0] for x in streams.inputs))
    stats["how"] = (
        f"{len(streams.names)} file(s) streamed whole from one reset(); the most probable chord "
        "per frame scored by weighted chord symbol recall (MIREX root, majmin, sevenths)"
    )
    return stats
