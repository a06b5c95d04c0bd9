"""Real corpora -> training sequences: the one entry point the trainer calls for `--data PATH`.

Audio corpora (DEAM, PMEmo, audio in a folder) train the emotion recognizer: inputs are raw log-mel
dB frames (the plugin feeds exactly these, unnormalised), targets the 64-d embedding of each frame's
valence/arousal. MIDI corpora (EMOPIA, MIDI in a folder) train the melody transformer: inputs are
the clip's embedding at every step, targets the 128-note activity of each sixteenth-note step; and
the dynamics engine and groove predictor, per analysis frame (data/performance.py).
Consecutive frames/steps are cut into non-overlapping sequences of `seq_len`; a shorter tail is
dropped. Every sequence is tagged with its song, so the split never separates one song's frames.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from emotrain.data import deam, emopia, folder, pmemo
from emotrain.data.audio import AUDIO_SUFFIXES, AudioReadError, load_audio
from emotrain.data.base import DataReport, SequenceData, shown_name
from emotrain.data.cache import (
    FeatureCache,
    ProgressFn,
    cache_note,
    extract_all,
    resolve_cache_dir,
)
from emotrain.data.detect import (
    AUDIO_MODEL,
    HARMONY_MODEL,
    MIDI_MODELS,
    MIDI_SUFFIXES,
    Detection,
    corpus_root,
    detect_format,
    folder_kinds,
)
from emotrain.data.labels import (
    AudioItem,
    MidiItem,
    column,
    frame_labels,
    read_table,
)
from emotrain.data.midi import each_readable, piano_roll
from emotrain.data.performance import PERFORMANCE_MODELS, performance_sequences
from emotrain.errors import ConfigError, DataError
from emotrain.models.catalog import MODEL_NAMES
from emotrain.models.spec import ModelSpec
from emotrain.plugin.embedding import EMBEDDING_DIM, emotion_embedding
from emotrain.plugin.features import DEFAULT_PARAMS, log_mel

if TYPE_CHECKING:  # a type only: config.py validates with data/, not the reverse
    from emotrain.config import DataConfig

_FIXED = {"deam": (AUDIO_MODEL,), "pmemo": (AUDIO_MODEL,), "emopia": MIDI_MODELS}
_SHOW_SKIPS = 3


def resolve(data: DataConfig) -> tuple[Path, Detection]:
    """The corpus folder and its format (detected for `auto`); ConfigError for a bad --data."""
    root = corpus_root(data.path)
    if data.format == "auto":
        return root, detect_format(root)
    return root, Detection(data.format, "given with --data-format")


def _models_for(root: Path, fmt: str) -> tuple[str, ...]:
    if fmt in _FIXED:
        return _FIXED[fmt]
    if fmt == "chords":
        from emotrain.data.chord_corpus import labels_have_emotion

        audio = labels_have_emotion(root) and AUDIO_MODEL in folder_kinds(root)
        return (AUDIO_MODEL, HARMONY_MODEL) if audio else (HARMONY_MODEL,)
    kinds = folder_kinds(root)
    if not kinds:
        _no_usable_rows(root / "labels.csv")
    return kinds


def _no_usable_rows(path: Path) -> None:
    """Say what is wrong with a labels.csv that names no audio or MIDI file, rather than let the
    caller report that the folder "can train only nothing"."""
    header, rows = read_table(path)
    i_file = column(header, "file", path)
    names = [row[i_file].strip() for row in rows if row[i_file].strip()]
    if not names:
        raise DataError(
            f"folder: {path} has no rows (only its header); add one row per file: "
            "file, valence, arousal"
        )
    suffixes = sorted({Path(n).suffix.lower() or "(none)" for n in names})
    raise DataError(
        f"folder: {path} lists no audio or MIDI file (its files end in {', '.join(suffixes)}; "
        f"audio: {', '.join(AUDIO_SUFFIXES)}; MIDI: {', '.join(MIDI_SUFFIXES)})"
    )


def possible_models(fmt: str) -> tuple[str, ...]:
    """What a corpus of this format could ever train, whatever its files: known without reading
    them, so a model no such corpus can train is refused before its labels are judged."""
    if fmt == "chords":
        return (AUDIO_MODEL, HARMONY_MODEL)
    return _FIXED.get(fmt, (AUDIO_MODEL, *MIDI_MODELS))


def supported_models(data: DataConfig) -> tuple[str, ...]:
    """The models this data can train, in contract order; cheap (no audio is decoded)."""
    if data.kind == "synthetic":
        return MODEL_NAMES
    root, detection = resolve(data)
    return _models_for(root, detection.format)


def _sequence_starts(mask: np.ndarray, seq_len: int) -> np.ndarray:
    """Starts of non-overlapping windows of `seq_len` frames inside each run of labelled frames."""
    padded = np.concatenate([[False], mask, [False]])
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    starts = [
        np.arange(a, b - seq_len + 1, seq_len) for a, b in zip(edges[::2], edges[1::2], strict=True)
    ]
    return np.concatenate(starts).astype(np.int64) if starts else np.zeros(0, dtype=np.int64)


def _check_strict(report: DataReport, data: DataConfig) -> None:
    if data.strict and report.skipped:
        shown = "; ".join(f"{s.item}: {s.reason}" for s in report.skipped[:_SHOW_SKIPS])
        more = len(report.skipped) - _SHOW_SKIPS
        tail = f"; and {more} more" if more > 0 else ""
        raise DataError(
            f"--strict: {len(report.skipped)} item(s) of the {report.detected_format} corpus "
            f"could not be used: {shown}{tail}"
        )


def _read_back(path: Path, digest: str, frames: int, cache: FeatureCache) -> np.ndarray:
    """A song's features from the entry pass 1 left; recomputed if it went away meanwhile."""
    feats = cache.read(digest)
    if feats is None:
        try:
            feats = log_mel(load_audio(path, cache.params.sample_rate), cache.params)
        except AudioReadError as exc:
            raise DataError(f"{path}: changed while the corpus was read ({exc})") from exc
    if feats.shape[0] != frames:
        raise DataError(
            f"{path}: changed while the corpus was read ({frames} frames, then {feats.shape[0]})"
        )
    return feats


def _audio_sequences(
    items: list[AudioItem],
    root: Path,
    data: DataConfig,
    cache: FeatureCache,
    report: DataReport,
    progress: ProgressFn | None,
) -> tuple[torch.Tensor, torch.Tensor, list[str]]:
    """Inputs and targets as two float32 tensors, written song by song: pass 1 puts every song
    in the cache and keeps only its frame count; pass 2, knowing the total, reads each song back
    into its rows. At DEAM's scale that holds the features once, not the per-song arrays plus
    the windows cut from them plus their concatenation (#18)."""
    results = extract_all([item.path for item in items], cache, progress=progress, keep=False)
    report.notes.append(cache_note(results, cache))
    seq_len = data.seq_len
    planned = []
    for item, result in zip(items, results, strict=True):
        name = shown_name(item.path, root)
        if result.error is not None or result.digest is None:
            report.skip(name, result.error or "unreadable")
            continue
        mask, va = frame_labels(item.label, result.frames, DEFAULT_PARAMS.frame_rate)
        starts = _sequence_starts(mask, seq_len)
        if starts.size == 0:
            report.skip(
                name,
                f"no {seq_len} consecutive labelled frames ({result.frames} frames of audio, "
                f"{int(mask.sum())} with a {item.label.kind} label)",
            )
            continue
        planned.append((item, result, starts, va))
    total = sum(starts.size for _, _, starts, _ in planned)
    inputs = torch.empty((total, seq_len, cache.params.n_mels), dtype=torch.float32)
    targets = torch.empty((total, seq_len, EMBEDDING_DIM), dtype=torch.float32)
    x, y = inputs.numpy(), targets.numpy()
    groups: list[str] = []
    row = 0
    for item, result, starts, va in planned:
        feats = _read_back(item.path, result.digest, result.frames, cache)
        index = starts[:, None] + np.arange(seq_len)[None, :]
        end = row + starts.size
        np.take(feats, index, axis=0, out=x[row:end])
        y[row:end] = emotion_embedding(va[index])
        groups.extend([item.song] * starts.size)
        row = end
        del feats
    return inputs, targets, groups


def _midi_sequences(
    items: list[MidiItem],
    root: Path,
    data: DataConfig,
    report: DataReport,
    progress: ProgressFn | None,
) -> tuple[list[np.ndarray], list[np.ndarray], list[str]]:
    xs, ys, groups = [], [], []
    seq_len = data.seq_len
    for item, name, roll in each_readable(items, root, report, progress, piano_roll):
        n_seq = roll.shape[0] // seq_len
        if n_seq == 0:
            report.skip(name, f"shorter than one sequence ({roll.shape[0]} steps < {seq_len})")
            continue
        ys.append(roll[: n_seq * seq_len].reshape(n_seq, seq_len, roll.shape[1]))
        emb = emotion_embedding(np.array([item.valence, item.arousal]))
        xs.append(np.broadcast_to(emb, (n_seq, seq_len, emb.shape[0])))
        groups.extend([item.song] * n_seq)
    return xs, ys, groups


def _plan(
    model: str, root: Path, fmt: str, report: DataReport, label_mode: str, data: DataConfig
) -> list:
    """The corpus's items for `model` from its file names and labels (nothing decoded)."""
    if model == HARMONY_MODEL:
        from emotrain.data import chord_corpus

        use_labels = not data.emotion_model and chord_corpus.labels_have_emotion(root)
        return chord_corpus.plan(root, report, use_labels=use_labels)
    if model == AUDIO_MODEL:
        if fmt == "deam":
            return deam.plan(root, report, label_mode)
        if fmt == "pmemo":
            return pmemo.plan(root, report, label_mode)
        return folder.plan(root, report, "audio")
    return emopia.plan(root, report) if fmt == "emopia" else folder.plan(root, report, "midi")


def song_ids(model: str, data: DataConfig) -> tuple[list[str], str]:
    """(the song ids the corpus's files and labels give `model`, "the <format> corpus at <root>"),
    read without decoding anything: `--validation-songs` is checked before hours of feature
    extraction. A song whose file then turns out unreadable drops out later."""
    root, detection = resolve(data)
    report = DataReport(source=f"{detection.format} corpus at {root}")
    items = _plan(model, root, detection.format, report, getattr(data, "label_mode", "auto"), data)
    return [item.song for item in items], f"the {report.source}"


def load_corpus(
    spec: ModelSpec,
    data: DataConfig,
    seed: int,
    *,
    output_dir: Path | None = None,
    progress: ProgressFn | None = None,
) -> SequenceData:
    """Sequences for `spec`'s model from the corpus at `data.path`; deterministic, `seed` unused."""
    del seed  # loading involves no randomness; the split, seeded, happens in the trainer
    root, detection = resolve(data)
    fmt = detection.format
    supported = _models_for(root, fmt)
    if spec.name not in supported:
        can = ", ".join(supported) if supported else "none of the models (no audio or MIDI rows)"
        raise ConfigError(f"--model {spec.name}: this {fmt} corpus can train only {can}")
    report = DataReport(source=f"{fmt} corpus at {root}", detected_format=fmt)
    if data.format == "auto":
        report.notes.append(f"detected format: {fmt} ({detection.evidence})")
    label_mode = getattr(data, "label_mode", "auto")

    if spec.name == HARMONY_MODEL:
        from emotrain.data import chord_corpus

        recognizer = chord_corpus.emotion_recognizer(root, data.emotion_model)
        chord_items = _plan(spec.name, root, fmt, report, label_mode, data)
        _check_strict(report, data)
        cache = FeatureCache(
            resolve_cache_dir(data.cache_dir, output_dir),
            DEFAULT_PARAMS,
            rebuild=data.rebuild_cache,
        )
        inputs, targets, groups = chord_corpus.sequences(
            chord_items, recognizer, data.seq_len, cache, report, progress
        )
        unit = "frames"
    elif spec.name == AUDIO_MODEL:
        audio_items = _plan(spec.name, root, fmt, report, label_mode, data)
        _check_strict(report, data)  # fail on label problems before hours of decoding
        cache = FeatureCache(
            resolve_cache_dir(data.cache_dir, output_dir),
            DEFAULT_PARAMS,
            rebuild=data.rebuild_cache,
        )
        inputs, targets, groups = _audio_sequences(audio_items, root, data, cache, report, progress)
        unit = "frames"
    else:
        midi_items = _plan(spec.name, root, fmt, report, label_mode, data)
        _check_strict(report, data)
        if spec.name in PERFORMANCE_MODELS:
            xs, ys, groups = performance_sequences(
                spec.name, midi_items, root, data.seq_len, report, progress
            )
            unit = "analysis frames"
        else:
            xs, ys, groups = _midi_sequences(midi_items, root, data, report, progress)
            unit = "sixteenth-note steps"
        if groups:
            inputs = torch.from_numpy(np.ascontiguousarray(np.concatenate(xs), dtype=np.float32))
            targets = torch.from_numpy(np.ascontiguousarray(np.concatenate(ys), dtype=np.float32))

    _check_strict(report, data)
    if not groups:
        first = report.skipped[0] if report.skipped else None
        why = f"; e.g. {first.item}: {first.reason}" if first else ""
        raise DataError(
            f"{fmt} corpus at {root}: nothing usable for {spec.name} "
            f"({len(report.skipped)} item(s) skipped{why})"
        )
    songs = len(set(groups))
    report.items_used = songs
    description = (
        f"{fmt}: {songs} song(s), {len(groups)} sequences x {data.seq_len} {unit} from {root}"
        + (f"; {len(report.skipped)} item(s) skipped" if report.skipped else "")
    )
    return SequenceData(inputs, targets, groups, description, report)
