"""`emotrain compare A B`: is B really better than A, on the same songs, with confidence?

Both models run on identical sequences and every figure is compared *paired by song*: the
bootstrap resamples songs (never frames: frames of one song are not independent), recomputes each
figure for A and B on the same resample, and gives a 95% interval for B - A. Quadrant accuracy
also gets McNemar's exact test on the frames where A and B disagree. With several figures some
will look significant by luck, so the p-values are Holm-corrected before any figure is called
better or worse.

Per figure: `equivalent` when the whole interval lies inside +-margin (a difference too small to
matter), `better`/`worse` when the interval excludes zero and the corrected p-value is below
alpha, else `inconclusive`. Overall: `better` when some deciding figure is better and none worse,
`worse` when some is worse and none better, `equivalent` when all are, else `inconclusive`. Every
figure decides, except for the melody transformer, where only its likelihood (`bce`, a proper
scoring rule) does: its thresholded and top-k figures are still compared and shown, but a model
that learned a note distribution no note of which passes 0.5 would otherwise be called
inconclusive by a note_f1 that cannot move.

Where `evaluate` streams a network (the recognizer's songs, the melody's, dynamics' and groove's
clips whole; judge.py `whole_streams`), so does compare, and the verdict is the streamed one: each
song or clip from one reset, with the recurrent networks also compared as one live set. The
windows, which do not ship, are not compared there.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import torch

from emotrain._version import __version__
from emotrain.errors import ConfigError
from emotrain.evaluation.comparison_stats import (
    MIN_RESAMPLES,
    compare_predictions,
    parse_margins,
)
from emotrain.evaluation.sides import check_pair, resolve_side, shared_data
from emotrain.models.catalog import get_spec

COMPARISON_FILE = "comparison.json"
PLOT_FILE = "comparison_intervals.png"


def streamed_stats(
    side_a: Any, side_b: Any, chosen: Any, margins: dict[str, float], n_resamples: int, seed: int
) -> dict[str, dict[str, Any]]:
    """Both sides over the songs (the melody's, dynamics' and groove's clips) streamed whole and,
    for a recurrent network, as one live set, as `evaluate` streams them (judge.py
    `whole_streams`), compared frame by frame with the bootstrap resampling songs."""
    from emotrain.evaluation.judge import whole_streams

    spec = get_spec(side_a.name)
    streams = whole_streams(spec, chosen)(chosen)
    keep = [i for i, m in enumerate(streams.masks) if m.any()]
    groups = [streams.song_of[i] for i in keep for _ in range(int(streams.masks[i].sum()))]
    target = np.concatenate([streams.targets[i][streams.masks[i]] for i in keep])
    targets = torch.from_numpy(target).to(torch.float64).unsqueeze(1)
    out = {}
    # A dense network has no state: a live set would give it its per-clip outputs again.
    ways = (("streamed", False), ("live_set", True)) if spec.recurrent else (("streamed", False),)
    for mode, carry in ways:
        preds = []
        for side in (side_a, side_b):
            outputs = side.streamer(streams.inputs, carry)
            pred = np.concatenate([outputs[i][streams.masks[i]] for i in keep])
            if not np.isfinite(pred).all():
                raise ConfigError(
                    f"{side.label}: its predictions are not finite; nothing to compare"
                )
            preds.append(torch.from_numpy(pred).to(torch.float64).unsqueeze(1))
        stats = compare_predictions(
            side_a.name, preds[0], preds[1], targets, groups,
            margins=margins, n_resamples=n_resamples, seed=seed,
        )  # fmt: skip
        stats["n_frames"] = int(target.shape[0])
        out[mode] = stats
    if not spec.recurrent:
        out["streamed"]["how"] = f"{streams.source}; a dense network, no state between frames"
        return out
    out["streamed"]["how"] = f"{streams.source}; one reset() per {streams.each}"
    out["live_set"]["how"] = (
        f"the {streams.stream_unit or streams.unit} back to back from one reset(), {streams.order}"
    )
    out["live_set"]["order"] = streams.order
    out["live_set"]["songs"] = [streams.songs[i] for i in keep]
    return out


def summary(result: dict[str, Any]) -> str:
    parts = []
    for kind in ("better", "worse", "equivalent", "inconclusive"):
        names = [r["figure"] for r in result["figures"] if r.get("verdict") == kind]
        if names:
            parts.append(f"{kind} on {', '.join(names)}")
    return "; ".join(parts) or "no figure could be compared"


def compare(
    a: str,
    b: str,
    *,
    registry: Any = None,
    data: str | Path | None = None,
    data_format: str = "auto",
    seed: int | None = None,
    cache_dir: str | Path | None = None,
    output: str | Path | None = None,
    margins: list[str] | None = None,
    n_resamples: int = MIN_RESAMPLES,
    bootstrap_seed: int = 0,
    device: str = "cpu",
    batch_size: int = 256,
) -> dict[str, Any]:
    """Compare B against A; returns the report and, with `output`, writes comparison.json there."""
    from emotrain.config import DATA_FORMATS
    from emotrain.evaluation.harmony import is_chord_data
    from emotrain.evaluation.judge import whole_streams
    from emotrain.evaluation.report import check_output_folder
    from emotrain.io import atomic_write_json

    if n_resamples < MIN_RESAMPLES:
        raise ConfigError(f"--resamples: at least {MIN_RESAMPLES}, got {n_resamples}")
    if data_format not in DATA_FORMATS:
        raise ConfigError(f"--data-format: {data_format!r} is not one of {', '.join(DATA_FORMATS)}")
    if seed is not None and not 0 <= seed < 2**32:
        raise ConfigError(f"--seed: must be an integer from 0 to {2**32 - 1}, got {seed}")
    if output is not None:
        check_output_folder(Path(output), COMPARISON_FILE)
    side_a = resolve_side(a, registry=registry, batch_size=batch_size, device=device)
    side_b = resolve_side(b, registry=registry, batch_size=batch_size, device=device)
    check_pair(side_a, side_b)
    margin_table = parse_margins(side_a.name, margins)
    chosen = shared_data(
        side_a, side_b, data=data, data_format=data_format, seed=seed,
        cache_dir=None if cache_dir is None else str(cache_dir),
        output_dir=None if output is None else Path(output),
    )  # fmt: skip
    modes = None
    n_frames = int(chosen.inputs.shape[0] * chosen.inputs.shape[1])
    if whole_streams(get_spec(side_a.name), chosen) and side_a.streamer and side_b.streamer:
        # What ships: songs streamed whole (the verdict) and a live set; not the windows, whose
        # thousands of resampled figures would double the wait for a figure that does not ship.
        modes = streamed_stats(side_a, side_b, chosen, margin_table, n_resamples, bootstrap_seed)
        stats = {k: v for k, v in modes["streamed"].items() if k not in ("how", "n_frames")}
        n_frames = modes["streamed"]["n_frames"]
    elif side_a.streamer and side_b.streamer and is_chord_data(get_spec(side_a.name), chosen):
        from emotrain.evaluation.harmony import compare_chords

        streamed = compare_chords(side_a, side_b, chosen, margin_table, n_resamples, bootstrap_seed)
        modes = {"streamed": streamed}
        stats = {k: v for k, v in streamed.items() if k not in ("how", "n_frames")}
        n_frames = streamed["n_frames"]
    else:
        targets = chosen.targets.to(torch.float64)
        pred_a, pred_b = side_a.predict(chosen.inputs), side_b.predict(chosen.inputs)
        for side, pred in ((side_a, pred_a), (side_b, pred_b)):
            if not bool(torch.isfinite(pred).all()):
                raise ConfigError(
                    f"{side.label}: its predictions are not finite; nothing to compare"
                )
        stats = compare_predictions(
            side_a.name, pred_a, pred_b, targets, chosen.groups,
            margins=margin_table, n_resamples=n_resamples, seed=bootstrap_seed,
        )  # fmt: skip
    same_bytes = side_a.sha256 is not None and side_a.sha256 == side_b.sha256
    same_note = (
        f"A and B are the same bytes (sha256 {str(side_a.sha256)[:12]}): the same model "
        "compared with itself, so every difference is zero"
    )
    report = {
        "emotrain_version": __version__,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "model": side_a.name,
        "a": side_a.to_dict(),
        "b": side_b.to_dict(),
        "question": "is B better than A? (differences are B - A)",
        "data": chosen.description,
        "n_sequences": int(chosen.inputs.shape[0]),
        "n_frames": n_frames,
        "headline_mode": "windowed" if modes is None else "streamed",
        **stats,
        **({} if modes is None else {"modes": modes}),
        "same_bytes": same_bytes,
        "notes": ([same_note] if same_bytes else []) + list(chosen.notes),
    }
    unit = getattr(chosen, "group_unit", "songs")  # "items" for synthetic data
    report["bootstrap"]["unit"] = unit.rstrip("s")
    report["summary"] = summary(report)
    if output is not None:
        from emotrain.plotting.intervals import plot_intervals

        report["plot"] = str(plot_intervals(report, Path(output) / PLOT_FILE))
        atomic_write_json(Path(output) / COMPARISON_FILE, report)
    return report
