"""How fast the recognizer follows a change of emotion: seconds until it is half-way there.

A live set (or a song in sections) changes its label at once; the plugin's melody follows the
recognizer, so a recognizer that needs ten seconds to leave the last song's emotion plays that
song's register over the new one. For each change of the label (a step of at least MIN_CHANGE in
valence or arousal between consecutive labelled frames) this measures, per dimension that changed,
the time from the change until the output first crosses the midpoint between the old and the new
label, looking only until the next change. A change the output never crosses is counted apart.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from emotrain.plugin.embedding import valence_arousal

#: Smallest step of a label (valence or arousal, range [-1, 1]) that counts as a change.
MIN_CHANGE = 0.4


def half_way_times(
    pred: np.ndarray, target: np.ndarray, mask: np.ndarray, frame_rate: float
) -> dict[str, list[float | None]]:
    """Per dimension ("valence", "arousal"): seconds to half-way for each change (None: never).

    `pred` and `target` are (T, 64) embeddings of one stream, `mask` the labelled frames."""
    out: dict[str, list[float | None]] = {"valence": [], "arousal": []}
    labelled = np.flatnonzero(mask)
    if labelled.size < 2:
        return out
    for k, (p, t) in enumerate(zip(valence_arousal(pred), valence_arousal(target), strict=True)):
        dim = ("valence", "arousal")[k]
        values = t[labelled]
        steps = np.flatnonzero(np.abs(np.diff(values)) >= MIN_CHANGE) + 1
        bounds = [*labelled[steps].tolist(), len(t)]
        for j, i in enumerate(steps):
            start, stop = int(labelled[i]), int(bounds[j + 1])
            old, new = float(values[i - 1]), float(values[i])
            crossed = np.flatnonzero((p[start:stop] - (old + new) / 2) * np.sign(new - old) >= 0)
            out[dim].append(float(crossed[0]) / frame_rate if crossed.size else None)
    return out


def response_summary(
    outputs: list[np.ndarray], targets: list[np.ndarray], masks: list[np.ndarray], rate: float
) -> dict[str, Any]:
    """Median seconds to half-way per dimension over all changes of the given streams."""
    times: dict[str, list[float | None]] = {"valence": [], "arousal": []}
    for pred, target, mask in zip(outputs, targets, masks, strict=True):
        for dim, values in half_way_times(pred, target, mask, rate).items():
            times[dim] += values
    out: dict[str, Any] = {"min_change": MIN_CHANGE}
    for dim, values in times.items():
        done = [v for v in values if v is not None]
        out[f"{dim}_changes"] = len(values)
        out[f"{dim}_not_crossed"] = len(values) - len(done)
        out[f"{dim}_median_s"] = float(np.median(done)) if done else None
    return out
