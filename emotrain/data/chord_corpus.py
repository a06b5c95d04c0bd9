"""A chord corpus: audio files with chord annotations, training the harmony network on the chain's input.

Layout (format `chords`, detected by `.lab` or `.jams` files in the folder or one level down):
each audio file has its annotation beside it with the same name (`song.wav` + `song.lab`), or a
JAMS file of the same name anywhere in the folder (GuitarSet: `annotation/00_BN1-129-Eb_comp.jams`
for `audio_mono-mic/00_BN1-129-Eb_comp_mic.wav`; the suffixes `_mic`, `_mix`, `_hex`, `_hex_cln`
are recordings of one annotated take, and stay one song for the split).

The input of each frame is what the plugin gives harmony (plugin/wiring.harmony_input): the emotion
embedding, then the frame's first 64 log-mel bands. The embedding comes from an emotion recognizer
named with `--emotion-model` (run over the song's frames from one reset, as the plugin runs it), else
from the folder's `labels.csv` (`file, valence, arousal`, the clip's label at every frame); with
neither, harmony cannot be given the input it will get, which is a usage error. The target is the
class (plugin/chords.py) of the chord sounding at the frame's centre, one-hot; frames of an
excluded chord (X, power chords) or of no annotated chord have an all-zero target, which adds
nothing to the loss and is not scored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from emotrain.data.audio import AUDIO_SUFFIXES
from emotrain.data.base import DataReport
from emotrain.data.cache import FeatureCache, ProgressFn, cache_note, extract_all
from emotrain.data.chord_files import (
    ANNOTATION_SUFFIXES,
    JAMS_SUFFIX,
    LAB_SUFFIX,
    ChordAnnotation,
    ChordFileError,
    read_annotation,
)
from emotrain.data.emotion_source import OPTION, EmotionRecognizer, resolve_emotion_model
from emotrain.data.labels import natural_key, read_folder_labels, read_table
from emotrain.errors import ConfigError
from emotrain.plugin.chords import EXCLUDED, N_CLASSES
from emotrain.plugin.embedding import emotion_embedding
from emotrain.plugin.timing import frame_times
from emotrain.plugin.wiring import HARMONY_BANDS, harmony_input

FORMAT = "chords"
#: GuitarSet's recordings of one annotated take: `<annotation stem><suffix>.wav`.
TAKE_SUFFIXES = ("_mic", "_mix", "_hex_cln", "_hex")


@dataclass(frozen=True)
class ChordItem:
    song: str  # the split group
    path: Path  # the audio
    name: str  # the audio's path inside the corpus, for reports
    annotation: ChordAnnotation
    valence_arousal: tuple[float, float] | None  # from labels.csv; None: the recognizer's


def _visible(root: Path, suffixes: tuple[str, ...]) -> list[Path]:
    return sorted(
        (
            p
            for p in root.rglob("*")
            if p.is_file() and p.suffix.lower() in suffixes and not p.name.startswith(".")
        ),
        key=lambda p: natural_key(p.relative_to(root).as_posix()),
    )


def labels_have_emotion(root: Path) -> bool:
    path = root / "labels.csv"
    if not path.is_file():
        return False
    header, _ = read_table(path)
    lowered = {h.lower() for h in header}
    return {"file", "valence", "arousal"} <= lowered


def emotion_recognizer(root: Path, emotion_model: str | None) -> EmotionRecognizer | None:
    """The recognizer to run (None: labels.csv gives the embedding); ConfigError with neither."""
    if emotion_model:
        return resolve_emotion_model(emotion_model)
    if labels_have_emotion(root):
        return None
    raise ConfigError(
        f"--data: the chord corpus at {root} gives harmony no emotion input: add a labels.csv "
        f"(columns file, valence, arousal) or give {OPTION} RUN|FILE.json|NAME@N (an emotion "
        "recognizer, run over the audio as the plugin runs it)"
    )


def _annotation_for(audio: Path, root: Path, jams_by_stem: dict[str, Path]) -> Path | None:
    beside = audio.with_suffix(LAB_SUFFIX)
    if beside.is_file():
        return beside
    for stem in [audio.stem] + [
        audio.stem[: -len(s)] for s in TAKE_SUFFIXES if audio.stem.endswith(s)
    ]:
        if stem in jams_by_stem:
            return jams_by_stem[stem]
    if audio.with_suffix(JAMS_SUFFIX).is_file():
        return audio.with_suffix(JAMS_SUFFIX)
    return None


def plan(root: Path, report: DataReport, *, use_labels: bool) -> list[ChordItem]:
    """Every audio file paired with its annotation (read and checked here, before any decoding)
    and, with `use_labels`, its labels.csv row. Whatever cannot be paired is a reported skip."""
    rows = {}
    if use_labels:
        for row in read_folder_labels(root / "labels.csv"):
            rows.setdefault((root / row.file).resolve(), row)
    jams_by_stem: dict[str, Path] = {}
    for path in _visible(root, (JAMS_SUFFIX,)):
        jams_by_stem.setdefault(path.stem, path)
    annotations: dict[Path, ChordAnnotation | str] = {}
    used: set[Path] = set()
    items: list[ChordItem] = []
    for audio in _visible(root, AUDIO_SUFFIXES):
        name = audio.relative_to(root).as_posix()
        source = _annotation_for(audio, root, jams_by_stem)
        if source is None:
            report.skip(name, f"no {LAB_SUFFIX} beside it and no {JAMS_SUFFIX} of the same name")
            continue
        used.add(source)
        if source not in annotations:
            try:
                annotations[source] = read_annotation(source, source.relative_to(root).as_posix())
            except ChordFileError as exc:
                where, text = source.relative_to(root).as_posix(), str(exc)
                annotations[source] = text
                report.skip(
                    where, text[len(where) :].lstrip(" :") if text.startswith(where) else text
                )
        annotation = annotations[source]
        if isinstance(annotation, str):
            continue  # its annotation was reported once, above
        song = source.relative_to(root).with_suffix("").as_posix()
        va = None
        if use_labels:
            row = rows.get(audio.resolve())
            if row is None:
                report.skip(name, f"no row in labels.csv (or give {OPTION})")
                continue
            if row.problem:
                report.skip(name, row.problem)
                continue
            va = (row.valence, row.arousal)
            if row.song != str(Path(row.file).with_suffix("")):
                song = row.song  # an explicit song column groups files for the split
        items.append(ChordItem(song, audio, name, annotation, va))
    unused = [p for p in _visible(root, ANNOTATION_SUFFIXES) if p not in used]
    if unused:
        report.notes.append(
            f"{len(unused)} annotation file(s) without audio (e.g. "
            f"{unused[0].relative_to(root).as_posix()})"
        )
    return items


def song_frames(
    item: ChordItem, features: np.ndarray, recognizer: EmotionRecognizer | None
) -> tuple[np.ndarray, np.ndarray]:
    """(inputs (T, 128) float32 as the plugin feeds harmony, class per frame (T,) int64)."""
    if recognizer is not None:
        embedding = recognizer.embed(features)
    else:
        va = np.asarray(item.valence_arousal, dtype=np.float32)
        embedding = np.broadcast_to(emotion_embedding(va), (features.shape[0], 64))
    inputs = harmony_input(embedding, features[:, :HARMONY_BANDS]).astype(np.float32)
    return inputs, item.annotation.frame_classes(frame_times(features.shape[0]))


def one_hot(classes: np.ndarray) -> np.ndarray:
    """(T, 64) float32; an all-zero row for EXCLUDED frames (no loss, not scored)."""
    out = np.zeros((classes.shape[0], N_CLASSES), dtype=np.float32)
    known = classes != EXCLUDED
    out[np.flatnonzero(known), classes[known]] = 1.0
    return out


def sequences(
    items: list[ChordItem],
    recognizer: EmotionRecognizer | None,
    seq_len: int,
    cache: FeatureCache,
    report: DataReport,
    progress: ProgressFn | None,
) -> tuple[torch.Tensor, torch.Tensor, list[str]]:
    """Each song cut into non-overlapping windows of seq_len frames (a shorter tail and windows
    with no chord frame dropped), as float32 tensors with the song of each window."""
    results = extract_all([item.path for item in items], cache, progress=progress)
    report.notes.append(cache_note(results, cache))
    if recognizer is not None:
        report.notes.append(
            f"emotion input: {recognizer.where} (sha256 {recognizer.sha256[:12]}), run over each "
            "song from one reset"
        )
    else:
        report.notes.append("emotion input: each file's valence/arousal from labels.csv")
    xs, ys, groups = [], [], []
    for item, result in zip(items, results, strict=True):
        if result.features is None:
            report.skip(item.name, result.error or "unreadable")
            continue
        inputs, classes = song_frames(item, result.features, recognizer)
        n = inputs.shape[0] // seq_len
        window = (classes[: n * seq_len] != EXCLUDED).reshape(n, seq_len).any(axis=1)
        if not window.any():
            report.skip(
                item.name,
                f"no window of {seq_len} frames with a chord ({inputs.shape[0]} frames, "
                f"{int((classes != EXCLUDED).sum())} with a chord of the vocabulary)",
            )
            continue
        keep = np.flatnonzero(window)
        xs.append(inputs[: n * seq_len].reshape(n, seq_len, -1)[keep])
        ys.append(one_hot(classes[: n * seq_len]).reshape(n, seq_len, -1)[keep])
        groups.extend([item.song] * keep.size)
    if not xs:
        return torch.zeros(0), torch.zeros(0), []
    inputs_t = torch.from_numpy(np.ascontiguousarray(np.concatenate(xs), dtype=np.float32))
    targets_t = torch.from_numpy(np.ascontiguousarray(np.concatenate(ys), dtype=np.float32))
    return inputs_t, targets_t, groups
