"""The train/validation split by group (song), recorded as a manifest in the run folder.

Either seeded (`--validation-split`: a fraction of the songs, drawn with the model's seed) or fixed
(`--validation-songs`: the songs a user names, e.g. DEAM's 2015 test songs `2001-2058`, so figures
are comparable with published ones). A song id is what the split groups by: DEAM's `song_id`,
PMEmo's `musicId`, EMOPIA's YouTube id (the clips of one song stay together), a folder's `song`
column or else the file's path without its suffix, and for the built-in synthetic data the item
index 0..samples-1. `A-B` names every integer id from A to B; a range applies to numeric ids only.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emotrain.errors import ConfigError, DataError
from emotrain.io import atomic_write_json

FLAG = "--validation-songs"
_RANGE = re.compile(r"(\d+)\s*-\s*(\d+)")
#: Missing ids (or stretches of a range) an error lists before "...".
_SHOWN = 8


@dataclass(frozen=True)
class Split:
    train_groups: tuple[str, ...]
    val_groups: tuple[str, ...]
    train_index: tuple[int, ...]
    val_index: tuple[int, ...]

    def manifest(
        self,
        model: str,
        seed: int,
        validation_split: float,
        unit: str,
        validation_songs: str | None = None,
    ) -> dict[str, Any]:
        """What a reader needs to rebuild the split; a fixed split records the songs asked for
        (`validation_songs`) and no fraction, since none was used."""
        fixed = {"validation_songs": validation_songs} if validation_songs else {}
        return {
            "model": model,
            "seed": seed,
            "validation_split": None if validation_songs else validation_split,
            **fixed,
            "unit": unit,
            "n_train_sequences": len(self.train_index),
            "n_val_sequences": len(self.val_index),
            "train": list(self.train_groups),
            "val": list(self.val_groups),
        }


def split_by_group(groups: list[str], validation_split: float, seed: int) -> Split:
    """Shuffle the distinct groups with `seed` and put round(fraction * groups) of them in validation.

    Splitting groups, not sequences, is what keeps frames of one song off both sides.
    """
    distinct = sorted(set(groups))
    if len(distinct) < 2:
        raise DataError(
            f"cannot make a train/validation split from {len(distinct)} song(s); at least 2 are needed"
        )
    rng = random.Random(seed)
    order = distinct[:]
    rng.shuffle(order)
    n_val = min(max(1, round(len(order) * validation_split)), len(order) - 1)
    val = set(order[:n_val])
    train_index = tuple(i for i, g in enumerate(groups) if g not in val)
    val_index = tuple(i for i, g in enumerate(groups) if g in val)
    return Split(
        train_groups=tuple(sorted(set(distinct) - val)),
        val_groups=tuple(sorted(val)),
        train_index=train_index,
        val_index=val_index,
    )


def _split_of(groups: Sequence[str], val: set[str]) -> Split:
    return Split(
        train_groups=tuple(sorted(set(groups) - val)),
        val_groups=tuple(sorted(val)),
        train_index=tuple(i for i, g in enumerate(groups) if g not in val),
        val_index=tuple(i for i, g in enumerate(groups) if g in val),
    )


def _canonical(text: str) -> str:
    """'12', ' 12 ' and '12.0' name the same song, as the label readers take them."""
    text = text.strip()
    return str(int(float(text))) if re.fullmatch(r"\d+\.0*", text) else text


def parse_song_ids(text: str) -> list[str | tuple[int, int]]:
    """`A-B,C,...` (or one id per line) -> ids and inclusive numeric ranges, in the given order.

    Commas and line ends separate; blank items and lines starting with `#` are ignored."""
    items = [t.strip() for line in text.splitlines() for t in line.split(",")]
    out: list[str | tuple[int, int]] = []
    for item in items:
        if not item or item.startswith("#"):
            continue
        m = _RANGE.fullmatch(item)
        if m is None:
            out.append(_canonical(item))
            continue
        low, high = int(m.group(1)), int(m.group(2))
        if low > high:
            raise ConfigError(f"{FLAG}: the range {item!r} runs backwards; write {high}-{low}")
        out.append((low, high))
    if not out:
        raise ConfigError(
            f"{FLAG}: no song id given; give ids and ranges (e.g. 2001-2058,7) or a file of ids"
        )
    return out


def song_ids_text(items: list[str | tuple[int, int]]) -> str:
    return ",".join(i if isinstance(i, str) else f"{i[0]}-{i[1]}" for i in items)


def resolve_song_spec(text: str, base: Path | None = None) -> str:
    """What `--validation-songs` (or a config file's `validation_songs`) gave, as an id list.

    A value naming an existing file (relative to `base`, a config file's folder, if given) is
    read: one id per line or comma-separated. The recorded configuration then holds the ids
    themselves, so `resume` and `run_config.toml` do not depend on the file staying put."""
    path = Path(text.strip()).expanduser()
    if base is not None and not path.is_absolute():
        path = base / path
    try:
        is_file = "," not in text and "\n" not in text and path.is_file()
    except (OSError, ValueError):  # a name too long or with a NUL byte is no file
        is_file = False
    if not is_file:
        return song_ids_text(parse_song_ids(text))
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{FLAG}: cannot read {path} ({exc})") from None
    try:
        return song_ids_text(parse_song_ids(content))
    except ConfigError as exc:
        raise ConfigError(f"{exc} (in {path})") from None


def _gaps(found: list[int], low: int, high: int) -> list[str]:
    """The stretches of [low, high] that `found` (sorted) leaves out, as `a-b` or `a`."""
    out, start = [], low
    for k in [*found, high + 1]:
        if k > start:
            out.append(f"{start}" if k - 1 == start else f"{start}-{k - 1}")
        start = k + 1
    return out


def validation_groups(
    groups: Sequence[str], text: str, *, synthetic: bool, source: str
) -> set[str]:
    """The groups `text` names; a ConfigError naming every id `source` does not hold.

    `synthetic`: the groups are `synthetic-<index>` and the ids are the indices."""
    items = parse_song_ids(text)
    distinct = set(groups)
    numeric: dict[int, str] = {}
    for g in sorted(distinct):
        digits = g.rsplit("-", 1)[-1] if synthetic else g
        if digits.isdigit():
            numeric.setdefault(int(digits), g)
    chosen: set[str] = set()
    missing: list[str] = []
    missing_count = 0
    for item in items:
        if isinstance(item, tuple):
            low, high = item
            found = sorted(k for k in numeric if low <= k <= high)
            chosen.update(numeric[k] for k in found)
            gaps = (high - low + 1) - len(found)
            if gaps:
                missing_count += gaps
                missing += _gaps(found, low, high)
        elif not synthetic and item in distinct:
            chosen.add(item)
        elif item.isdigit() and int(item) in numeric:
            chosen.add(numeric[int(item)])
        else:
            missing_count += 1
            missing.append(item)
    if missing_count:
        shown = ", ".join(missing[:_SHOWN]) + (" ..." if len(missing) > _SHOWN else "")
        what = (
            "its songs are the item indices 0 to --samples - 1"
            if synthetic
            else "see docs/data.md for what a song id is in each corpus"
        )
        noun = "id is" if missing_count == 1 else "ids are"
        raise ConfigError(f"{FLAG}: {missing_count} song {noun} not in {source}: {shown} ({what})")
    if chosen == distinct:
        raise ConfigError(
            f"{FLAG}: names all {len(distinct)} songs of {source}; leave at least one for training"
        )
    return chosen


def fixed_split(groups: Sequence[str], text: str, *, synthetic: bool, source: str) -> Split:
    """The split whose validation side is exactly the songs `text` names."""
    return _split_of(groups, validation_groups(groups, text, synthetic=synthetic, source=source))


def make_split(
    groups: Sequence[str],
    *,
    validation_split: float,
    validation_songs: str | None,
    seed: int,
    synthetic: bool,
    source: str,
) -> Split:
    """A new run's split: the fixed songs when given (they ARE the validation side and the fraction
    is not used), else the seeded fraction."""
    if validation_songs:
        return fixed_split(groups, validation_songs, synthetic=synthetic, source=source)
    return split_by_group(list(groups), validation_split, seed)


def split_from_manifest(
    groups: list[str], manifest: dict[str, Any], *, source: str = "the split manifest"
) -> Split:
    """Rebuild a recorded split over (possibly reloaded) data: the manifest's ids win.

    The manifest is a file a user can edit, so its shape is checked: a DataError naming `source`
    beats a traceback, and a string must not be read as a set of its characters.
    """
    if not isinstance(manifest, dict):
        raise DataError(
            f"{source} is corrupt: expected a JSON object with 'train' and 'val' lists of song "
            f"ids, got {type(manifest).__name__}"
        )
    for key in ("train", "val"):
        ids = manifest.get(key)
        if ids is None:
            raise DataError(f"{source} is corrupt: it has no {key!r} list of song ids")
        if not isinstance(ids, list):
            raise DataError(
                f"{source} is corrupt: {key!r} must be a list of song ids, got {type(ids).__name__}"
            )
        odd = [i for i in ids if not isinstance(i, str)]
        if odd:
            raise DataError(
                f"{source} is corrupt: {key!r} must hold song ids (strings), "
                f"not {type(odd[0]).__name__} values"
            )
    train, val = set(manifest["train"]), set(manifest["val"])
    train_index = tuple(i for i, g in enumerate(groups) if g in train)
    val_index = tuple(i for i, g in enumerate(groups) if g in val)
    return Split(tuple(sorted(train)), tuple(sorted(val)), train_index, val_index)


def write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    atomic_write_json(path, manifest)
