"""A seeded train/validation split by group (song), recorded as a manifest in the run folder."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emotrain.errors import DataError
from emotrain.io import atomic_write_json


@dataclass(frozen=True)
class Split:
    train_groups: tuple[str, ...]
    val_groups: tuple[str, ...]
    train_index: tuple[int, ...]
    val_index: tuple[int, ...]

    def manifest(self, model: str, seed: int, validation_split: float, unit: str) -> dict[str, Any]:
        return {
            "model": model,
            "seed": seed,
            "validation_split": validation_split,
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
