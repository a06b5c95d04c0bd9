"""Valence/arousal labels: reading the corpora's tables, and turning labels into per-frame targets.

Every label ends up in [-1, 1] (DEAM static 1-9 via (x - 5) / 4, PMEmo 0-1 via 2x - 1, a folder's
labels.csv as given) and becomes the contract's 64-d embedding by repetition: dims 0-31 = valence,
32-63 = arousal. Repetition is the plainest deterministic function of (valence, arousal) that fits
the contract, and it is the same for every corpus, so an emotion recognizer trained on DEAM speaks
the embedding a melody transformer trained on EMOPIA listens to.

A value that is missing or not a number is never guessed: the parsers return it as a problem for
the corpus report.
"""

from __future__ import annotations

import csv
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from emotrain.errors import DataError


@dataclass(frozen=True)
class StaticLabel:
    valence: float
    arousal: float

    kind = "static"


@dataclass(frozen=True)
class DynamicLabel:
    """Annotations at `times` (seconds from the start of the audio file), sorted."""

    times: np.ndarray
    valence: np.ndarray
    arousal: np.ndarray

    kind = "dynamic"


Label = StaticLabel | DynamicLabel


@dataclass(frozen=True)
class AudioItem:
    song: str  # the split group
    path: Path
    label: Label


@dataclass(frozen=True)
class MidiItem:
    song: str
    path: Path
    valence: float
    arousal: float


def frame_labels(label: Label, n_frames: int, frame_rate: float) -> tuple[np.ndarray, np.ndarray]:
    """(mask, va): which frames have a label and their (valence, arousal).

    Static labels cover the whole song. Dynamic labels are interpolated linearly between annotation
    times; frames before the first or after the last annotation (DEAM starts at 15 s), or inside a
    gap longer than 1.5 annotation steps, are masked out rather than given an invented value.
    """
    va = np.zeros((n_frames, 2), dtype=np.float32)
    if isinstance(label, StaticLabel):
        va[:, 0], va[:, 1] = label.valence, label.arousal
        return np.ones(n_frames, dtype=bool), va
    t = np.arange(n_frames, dtype=np.float64) / frame_rate
    times = label.times
    mask = (t >= times[0]) & (t <= times[-1])
    if times.shape[0] > 1:
        step = float(np.median(np.diff(times)))
        right = np.clip(np.searchsorted(times, t, side="left"), 1, times.shape[0] - 1)
        gap = times[right] - times[right - 1]
        mask &= gap <= 1.5 * step + 1e-9
    va[:, 0] = np.interp(t, times, label.valence)
    va[:, 1] = np.interp(t, times, label.arousal)
    return mask, va


# ---------------------------------------------------------------- table reading


#: Separators a label table may use: commas, Excel's semicolons (its CSV export in locales whose
#: decimal mark is a comma), tabs.
SEPARATORS = (",", ";", "\t")
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")


def separator(first_line: str) -> str:
    """The separator the header line uses: the one that splits it into the most cells (a comma
    when none splits it). Header names hold none of them, so the header decides unambiguously."""
    counts = {sep: first_line.count(sep) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def read_table(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header (stripped: DEAM's cells carry a leading space), rows padded to the header's width.

    The separator is read from the header line (comma, semicolon or tab); in a semicolon table a
    number written with a decimal comma (`0,25`, as the same Excel export writes it) is read as
    0.25, since the comma cannot be a separator there."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            sep = separator(handle.readline())
            handle.seek(0)
            reader = csv.reader(handle, delimiter=sep)
            rows = [row for row in reader if any(cell.strip() for cell in row)]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"cannot read label file {path}: {exc}") from exc
    if not rows:
        raise DataError(f"label file {path} is empty")
    if sep == ";":
        rows = [
            [c.replace(",", ".") if _DECIMAL_COMMA.fullmatch(c.strip()) else c for c in row]
            for row in rows
        ]
    header = [cell.strip() for cell in rows[0]]
    width = len(header)
    body = [(row + [""] * width)[:width] if len(row) < width else row for row in rows[1:]]
    return header, body


def column(header: list[str], name: str, path: Path) -> int:
    lowered = [h.lower() for h in header]
    if name.lower() not in lowered:
        raise DataError(
            f"label file {path} has no {name!r} column; its columns are: {', '.join(header)}"
        )
    return lowered.index(name.lower())


def parse_number(text: str) -> float | None:
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def song_id(text: str) -> str:
    """'12', ' 12 ' and '12.0' name the same song (spreadsheets like to write ids as floats)."""
    text = text.strip()
    if re.fullmatch(r"\d+\.0*", text):
        return str(int(float(text)))
    return text


def _scaled(text: str, what: str, low: float, high: float, where: str) -> tuple[float | None, str]:
    """Map a value on [low, high] to [-1, 1]; (None, reason) when it is missing or out of range."""
    if not text.strip():
        return None, f"{what} is missing in {where}"
    value = parse_number(text)
    if value is None:
        return None, f"{what} {text.strip()!r} is not a number in {where}"
    if not low <= value <= high:
        return None, f"{what} {value:g} is outside {low:g}..{high:g} in {where}"
    return (2.0 * value - (low + high)) / (high - low), ""  # exact for (x - 5) / 4 and 2x - 1


Problems = dict[str, str]


def read_static(
    files: list[Path], id_col: str, valence_col: str, arousal_col: str, low: float, high: float
) -> tuple[dict[str, StaticLabel], Problems]:
    """Song-level labels from one or more tables (DEAM's come in two files)."""
    labels: dict[str, StaticLabel] = {}
    problems: Problems = {}
    for path in files:
        header, rows = read_table(path)
        i_id, i_v, i_a = (column(header, c, path) for c in (id_col, valence_col, arousal_col))
        for row in rows:
            song = song_id(row[i_id])
            if not song:
                continue
            v, why_v = _scaled(row[i_v], valence_col, low, high, path.name)
            a, why_a = _scaled(row[i_a], arousal_col, low, high, path.name)
            if v is None or a is None:
                problems[song] = why_v or why_a
            else:
                labels[song] = StaticLabel(v, a)
                problems.pop(song, None)
    return labels, problems


def read_deam_dynamic(
    valence_csv: Path, arousal_csv: Path
) -> tuple[dict[str, DynamicLabel], Problems]:
    """DEAM's wide tables: `song_id, sample_15000ms, ...`; shorter songs end in empty cells."""
    per_dim: list[dict[str, dict[float, float]]] = []
    problems: Problems = {}
    for path in (valence_csv, arousal_csv):
        header, rows = read_table(path)
        i_id = column(header, "song_id", path)
        times: dict[int, float] = {}
        for i, name in enumerate(header):
            m = re.fullmatch(r"sample_(\d+)ms", name)
            if m:
                times[i] = int(m.group(1)) / 1000.0
        values: dict[str, dict[float, float]] = {}
        for row in rows:
            song = song_id(row[i_id])
            series: dict[float, float] = {}
            for i, t in times.items():
                cell = row[i].strip()
                if not cell:
                    continue
                value = parse_number(cell)
                if value is None:
                    problems[song] = f"{cell!r} at {header[i]} is not a number in {path.name}"
                    break
                series[t] = max(-1.0, min(1.0, value))
            values[song] = series
        per_dim.append(values)
    return _join_dynamic(per_dim[0], per_dim[1], problems, "valence.csv", "arousal.csv")


def read_pmemo_dynamic(path: Path) -> tuple[dict[str, DynamicLabel], Problems]:
    """PMEmo's long table: `musicId, frameTime, Arousal(mean), Valence(mean)`, on a 0-1 scale."""
    header, rows = read_table(path)
    i_id, i_t = column(header, "musicId", path), column(header, "frameTime", path)
    i_a, i_v = column(header, "Arousal(mean)", path), column(header, "Valence(mean)", path)
    val: dict[str, dict[float, float]] = defaultdict(dict)
    aro: dict[str, dict[float, float]] = defaultdict(dict)
    problems: Problems = {}
    for row in rows:
        song = song_id(row[i_id])
        t = parse_number(row[i_t])
        v, why_v = _scaled(row[i_v], "Valence(mean)", 0.0, 1.0, path.name)
        a, why_a = _scaled(row[i_a], "Arousal(mean)", 0.0, 1.0, path.name)
        if t is None or v is None or a is None:
            problems[song] = why_v or why_a or f"frameTime {row[i_t].strip()!r} is not a number"
            continue
        val[song][t], aro[song][t] = v, a
    return _join_dynamic(val, aro, problems, "valence", "arousal")


def _join_dynamic(
    val: dict[str, dict[float, float]],
    aro: dict[str, dict[float, float]],
    problems: Problems,
    v_name: str,
    a_name: str,
) -> tuple[dict[str, DynamicLabel], Problems]:
    labels: dict[str, DynamicLabel] = {}
    for song in sorted(set(val) | set(aro)):
        if song in problems:
            continue
        common = sorted(set(val.get(song, {})) & set(aro.get(song, {})))
        if not common:
            empty = [n for n, d in ((v_name, val), (a_name, aro)) if not d.get(song)]
            problems[song] = (
                f"no dynamic annotations ({' and '.join(empty)} empty)"
                if empty
                else "valence and arousal annotations share no time"
            )
            continue
        t = np.asarray(common, dtype=np.float64)
        v = np.asarray([val[song][x] for x in common], dtype=np.float64)
        a = np.asarray([aro[song][x] for x in common], dtype=np.float64)
        labels[song] = DynamicLabel(t, v, a)
    return labels, problems


@dataclass(frozen=True)
class FolderRow:
    file: str
    song: str
    valence: float
    arousal: float
    problem: str = ""  # why the row cannot be used; valence/arousal are then meaningless


def read_folder_labels(path: Path) -> list[FolderRow]:
    """A plain folder's `labels.csv`: `file, valence, arousal` in [-1, 1], optional `song` column.

    Rows come back in file order, broken ones with their `problem`, so the caller can tell a file
    listed twice from one listed once with a bad value. The `song` column groups files (clips of
    one song) for the split; without it, a file is a song.
    """
    header, rows = read_table(path)
    i_file, i_v, i_a = (column(header, c, path) for c in ("file", "valence", "arousal"))
    lowered = [h.lower() for h in header]
    i_song = lowered.index("song") if "song" in lowered else None
    out: list[FolderRow] = []
    for row in rows:
        name = row[i_file].strip()
        if not name:
            continue
        given = row[i_song].strip() if i_song is not None else ""
        song = given or str(Path(name).with_suffix(""))
        v, why_v = _scaled(row[i_v], "valence", -1.0, 1.0, path.name)
        a, why_a = _scaled(row[i_a], "arousal", -1.0, 1.0, path.name)
        if v is None or a is None:
            out.append(FolderRow(name, song, math.nan, math.nan, why_v or why_a))
        else:
            out.append(FolderRow(name, song, v, a))
    return out


LABEL_MODES = ("auto", "static", "dynamic")


def match_audio(
    files: dict[str, Path],
    static: tuple[dict[str, StaticLabel], Problems],
    dynamic: tuple[dict[str, DynamicLabel], Problems],
    mode: str,
    root: Path,
    report,  # DataReport
) -> list[AudioItem]:
    """Pair each song's audio file with its label: dynamic if it has one (mode 'auto'), else static.

    A song whose label is missing or broken is skipped with the reason; songs that are labelled but
    have no audio are only counted in a note (users often hold a part of a corpus). In 'auto' mode
    a song whose dynamic label is broken still trains on a good static label, but its broken
    dynamic label is reported as a skipped item: the user learns of the bad table row, and
    --strict refuses the corpus rather than quietly training on the coarser label.
    """
    if mode not in LABEL_MODES:
        raise DataError(f"label mode {mode!r} is not one of {', '.join(LABEL_MODES)}")
    items: list[AudioItem] = []
    used = {"static": 0, "dynamic": 0}
    for song, path in files.items():
        name = path.relative_to(root).as_posix()
        label: Label | None = None
        reasons = []
        if mode in ("auto", "dynamic"):
            label = dynamic[0].get(song)
            reasons.append(dynamic[1].get(song, "no dynamic label"))
        if label is None and mode in ("auto", "static"):
            label = static[0].get(song)
            reasons.append(static[1].get(song, "no static label"))
        if label is None:
            report.skip(name, "; ".join(reasons))
            continue
        broken_dynamic = dynamic[1].get(song)
        if label.kind == "static" and mode == "auto" and broken_dynamic:
            report.skip(
                f"{name} (dynamic label)",
                f"{broken_dynamic}; the song's static label is used instead",
            )
        used[label.kind] += 1
        items.append(AudioItem(song, path, label))
    labelled = set(static[0]) | set(dynamic[0])
    unheard = sorted(labelled - set(files), key=natural_key)
    if unheard:
        report.notes.append(
            f"{len(unheard)} labelled song(s) have no audio file (e.g. {', '.join(unheard[:3])})"
        )
    report.notes.append(f"labels: {used['dynamic']} song(s) dynamic, {used['static']} static")
    return items


def natural_key(text: str) -> tuple:
    """'2' < '10' < 'b': DEAM's numeric ids sort as numbers, others as text."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part)
        for part in re.split(r"(\d+)", text)
        if part
    )
