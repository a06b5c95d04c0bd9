"""Weighted chord symbol recall (WCSR), MIREX's chord-recognition figure, on the `root`, `majmin` and
`sevenths` rules, computed as `mir_eval.chord` computes it.

A song's figure is the time its estimate gets right divided by the time its reference is scored
under the rule; reference and estimate are compared on the segments between every boundary of
either (mir_eval's merge_labeled_intervals), each weighted by its duration. The estimate is
stretched to the reference's span with N (mir_eval's adjust_intervals). The reference labels are
encoded by mir_eval itself; an estimate is a class of the vocabulary (plugin/chords.py), encoded
as mir_eval encodes its name, with the rootless classes dim/aug/sus given a root no reference has.

The rules, as in mir_eval: `root` compares roots (N matches N; X is not scored); `majmin`
compares root and the notes up to the fifth, and scores only references that are major, minor
(by those notes) or N; `sevenths` compares root and all notes, scoring only references that are
exactly maj, min, 7, maj7, min7 or N. Beyond mir_eval, a reference the vocabulary excludes (X,
power chords: docs/plugin-contract.md) is scored by no rule, and time outside every reference
chord (a gap in a `.lab`) is not scored either. Over several songs the figure is duration-weighted
(the scored seconds of all songs together), as MIREX reports WCSR.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from emotrain.plugin.chords import EXCLUDED, NO_CHORD, chord_class, class_encoding

RULES = ("root", "majmin", "sevenths")
FIGURES = tuple(f"wcsr_{rule}" for rule in RULES)
HEADLINE = "wcsr_majmin"

_MAJ = np.array([1, 0, 0, 0, 1, 0, 0, 1], dtype=np.int64)
_MIN = np.array([1, 0, 0, 1, 0, 0, 0, 1], dtype=np.int64)


@lru_cache(maxsize=4096)
def _encode(label: str) -> tuple[int, tuple[int, ...], bool]:
    """(root, bitmap, scored at all) of a reference label, by mir_eval."""
    import mir_eval.chord

    try:
        scored = chord_class(label) != EXCLUDED
        root, bitmap, _ = mir_eval.chord.encode(label.strip())
    except Exception:  # a label mir_eval cannot read is not scored (ours already parsed it)
        return -3, (0,) * 12, False
    return int(root), tuple(int(b) for b in bitmap), scored


def _sevenths_table() -> np.ndarray:
    import mir_eval.chord

    return np.array(
        [mir_eval.chord.QUALITIES[q] for q in ("maj", "min", "maj7", "7", "min7", "")],
        dtype=np.int64,
    )


def comparisons(
    ref_roots: np.ndarray, ref_bits: np.ndarray, est_roots: np.ndarray, est_bits: np.ndarray
) -> dict[str, np.ndarray]:
    """Per segment and rule: 1 right, 0 wrong, -1 not scored (mir_eval's formulas)."""
    eq_root = ref_roots == est_roots
    out = {"root": eq_root.astype(np.float64)}
    out["root"][np.any(ref_bits < 0, axis=1)] = -1.0
    majmin = (eq_root & np.all(ref_bits[:, :8] == est_bits[:, :8], axis=1)).astype(np.float64)
    is_maj = np.all(ref_bits[:, :8] == _MAJ, axis=1)
    is_min = np.all(ref_bits[:, :8] == _MIN, axis=1)
    is_none = (ref_roots < 0) & np.all(ref_bits == 0, axis=1)
    majmin[~(is_maj | is_min | is_none)] = -1.0
    out["majmin"] = majmin
    sevenths = (eq_root & np.all(ref_bits == est_bits, axis=1)).astype(np.float64)
    valid = np.any(np.all(ref_bits[:, None, :] == _sevenths_table()[None], axis=2), axis=1)
    sevenths[~valid] = -1.0
    out["sevenths"] = sevenths
    return out


def song_parts(
    intervals: np.ndarray, labels: tuple[str, ...], est_classes: np.ndarray, frame_rate: float
) -> np.ndarray:
    """(right seconds, scored seconds) per rule, flat: [root right, root scored, majmin right, ...].

    `est_classes` is the estimate per analysis frame; frame i (centred at i / frame_rate) holds
    from half a frame before to half a frame after its centre.
    """
    out = np.zeros(2 * len(RULES), dtype=np.float64)
    if intervals.shape[0] == 0:
        return out
    lo, hi = float(intervals[:, 0].min()), float(intervals[:, 1].max())
    n = est_classes.shape[0]
    frame_edges = (np.arange(n + 1) - 0.5) / frame_rate
    bounds = np.unique(np.concatenate([intervals.ravel(), np.clip(frame_edges, lo, hi)]))
    bounds = bounds[(bounds >= lo) & (bounds <= hi)]
    starts, ends = bounds[:-1], bounds[1:]
    durations = ends - starts
    mids = (starts + ends) / 2
    ref_index = np.searchsorted(intervals[:, 0], mids, side="right") - 1
    inside = (ref_index >= 0) & (mids < intervals[np.maximum(ref_index, 0), 1])
    frame = np.floor(mids * frame_rate + 0.5).astype(np.int64)
    est = np.where(frame < n, est_classes[np.minimum(frame, n - 1)], NO_CHORD)
    encoded = [_encode(labels[i]) if ok else (-3, (0,) * 12, False) for i, ok in
               zip(np.maximum(ref_index, 0), inside, strict=True)]  # fmt: skip
    ref_roots = np.array([e[0] for e in encoded], dtype=np.int64).reshape(-1)
    ref_bits = np.array([e[1] for e in encoded], dtype=np.int64).reshape(-1, 12)
    scored = np.array([e[2] for e in encoded], dtype=bool).reshape(-1)
    class_roots, class_bits = class_encoding()
    rules = comparisons(ref_roots, ref_bits, class_roots[est], class_bits[est])
    for k, rule in enumerate(RULES):
        score = rules[rule]
        use = scored & (score >= 0)
        out[2 * k] = float((durations * score)[use].sum())
        out[2 * k + 1] = float(durations[use].sum())
    return out


def figures(parts: np.ndarray) -> dict[str, float | None]:
    """WCSR per rule from summed parts (songs' seconds added together); None where none scored."""
    total = np.asarray(parts, dtype=np.float64).reshape(-1, 2 * len(RULES)).sum(0)
    return {
        name: (float(total[2 * k] / total[2 * k + 1]) if total[2 * k + 1] > 0 else None)
        for k, name in enumerate(FIGURES)
    }
