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
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import torch

from emotrain._version import __version__
from emotrain.errors import ConfigError
from emotrain.evaluation import metrics as M
from emotrain.evaluation.sides import check_pair, resolve_side, shared_data
from emotrain.models.registry import get_spec

COMPARISON_FILE = "comparison.json"
PLOT_FILE = "comparison_intervals.png"
MIN_RESAMPLES = 2000
ALPHA = 0.05


def _f1(fn: Callable) -> Callable:
    return lambda p, t: fn(p, t)[2]


def _va(i: int, fn: Callable) -> Callable:
    return lambda p, t: fn(M.valence_arousal(p)[i], M.valence_arousal(t)[i])


#: The figures compared per network, each with its default equivalence margin (absolute, in the
#: figure's own units): differences smaller than these do not matter for the plugin.
FIGURES: dict[str, dict[str, tuple[Callable, float]]] = {
    "emotionrecognizer": {
        "mse": (M.mse, 0.005),
        "cosine_similarity": (M.cosine_similarity, 0.01),
        "valence_ccc": (_va(0, M.ccc), 0.02),
        "arousal_ccc": (_va(1, M.ccc), 0.02),
        "quadrant_accuracy": (M.quadrant_accuracy, 0.02),
    },
    "melodytransformer": {
        "bce": (M.bce, 0.005),
        "note_f1": (_f1(M.threshold_prf), 0.01),
        "topk_f1": (_f1(M.topk_prf), 0.01),
    },
    "harmonypredictor": {
        "kl": (M.kl_divergence, 0.01),
        "top1_accuracy": (M.top1_accuracy, 0.01),
    },
    "dynamicsengine": {"mse": (M.mse, 0.001), "mae": (M.mae, 0.005)},
    "groovepredictor": {"mse": (M.mse, 0.001), "mae": (M.mae, 0.005)},
}


def _wcsr(k: int) -> Callable:
    """WCSR of rule k from per-file (right, scored) seconds (evaluation/wcsr.song_parts rows)."""

    def figure(parts: torch.Tensor, _targets: torch.Tensor) -> float | None:
        total = parts.sum(0)
        scored = float(total[2 * k + 1])
        return float(total[2 * k]) / scored if scored > 0 else None

    return figure


#: Harmony on a chord corpus is compared by WCSR of the songs streamed whole (the evaluation's
#: figures), each "prediction" row being one file's right and scored seconds per rule.
CHORDS = "harmonypredictor/chords"
FIGURES[CHORDS] = {
    "wcsr_root": (_wcsr(0), 0.01),
    "wcsr_majmin": (_wcsr(1), 0.01),
    "wcsr_sevenths": (_wcsr(2), 0.01),
}

#: Per network, the figures the overall verdict is decided by, where not all of them.
DECIDING: dict[str, tuple[str, ...]] = {"melodytransformer": ("bce",), CHORDS: ("wcsr_majmin",)}


def deciding_figures(model: str) -> tuple[str, ...]:
    return DECIDING.get(model, tuple(FIGURES[model]))


def parse_margins(model: str, given: list[str] | None) -> dict[str, float]:
    """`--margin 0.02` (every figure) and/or `--margin mae=0.01` (one), over the defaults."""
    margins = {name: margin for name, (_, margin) in FIGURES[model].items()}
    if model == "harmonypredictor":  # a chord corpus compares by WCSR instead
        margins.update({name: margin for name, (_, margin) in FIGURES[CHORDS].items()})
    for item in given or []:
        key, sep, value = item.rpartition("=")
        try:
            number = float(value)
        except ValueError:
            number = float("nan")
        if not np.isfinite(number) or number < 0:
            raise ConfigError(f"--margin: {item!r} needs a number >= 0 (e.g. 0.01 or mae=0.01)")
        if not sep:
            margins = dict.fromkeys(margins, number)
        elif key not in margins:
            raise ConfigError(
                f"--margin: {key!r} is not a figure of {model}; allowed: {', '.join(margins)}"
            )
        else:
            margins[key] = number
    return margins


def _quadrant_correct(pred: torch.Tensor, target: torch.Tensor) -> np.ndarray:
    pq = M.quadrant(*M.valence_arousal(pred))
    tq = M.quadrant(*M.valence_arousal(target))
    return (pq == tq).numpy()


class _Recorder:
    """Figures of one side on every index set the bootstrap hands it, kept in call order.

    `paired_bootstrap_many` calls each side once on the whole data, then once per resample; keeping
    the values gives the resampled differences, from which the two-sided bootstrap p-value that
    Holm's correction needs is read (the same resamples as the interval, so the two agree).
    """

    def __init__(self, pred: torch.Tensor, targets: torch.Tensor, figures: dict[str, Callable]):
        self.pred, self.targets, self.figures = pred, targets, figures
        self.calls: list[list[float]] = []

    def __call__(self, idx: np.ndarray) -> dict[str, float | None]:
        index = torch.from_numpy(np.asarray(idx, dtype=np.int64))
        pred, targets = self.pred[index], self.targets[index]
        values = {name: fn(pred, targets) for name, fn in self.figures.items()}
        self.calls.append([np.nan if v is None else float(v) for v in values.values()])
        return values


def _bootstrap_p(b: _Recorder, a: _Recorder, column: int, n_resamples: int) -> float | None:
    """Two-sided p for B - A = 0: twice the smaller share of resampled differences on either side
    of zero (1 when every resample gives exactly zero, as a model against itself does)."""
    if len(b.calls) != n_resamples + 1 or len(a.calls) != n_resamples + 1:
        return None  # the bootstrap drew no resamples (fewer than two songs)
    d = np.array([rb[column] - ra[column] for rb, ra in zip(b.calls[1:], a.calls[1:], strict=True)])
    d = d[np.isfinite(d)]
    if d.size * 2 < n_resamples:
        return None
    if np.all(d == 0):
        return 1.0
    return float(min(1.0, 2 * min(np.mean(d <= 0), np.mean(d >= 0))))


def _figure_verdict(row: dict[str, Any], direction: str) -> str:
    lo, hi, margin = row["ci_low"], row["ci_high"], row["margin"]
    if lo is None or hi is None:
        return "inconclusive"
    if lo >= -margin and hi <= margin:
        return "equivalent"
    p = row["p_holm"]
    if direction in ("better", "worse") and (p is None or p < ALPHA):
        return direction
    return "inconclusive"


def overall_verdict(verdicts: list[str]) -> str:
    if verdicts and all(v == "equivalent" for v in verdicts):
        return "equivalent"
    better, worse = "better" in verdicts, "worse" in verdicts
    if better and not worse:
        return "better"
    if worse and not better:
        return "worse"
    return "inconclusive"


def compare_predictions(
    model: str,
    pred_a: torch.Tensor,
    pred_b: torch.Tensor,
    targets: torch.Tensor,
    groups: list[str],
    *,
    margins: dict[str, float] | None = None,
    n_resamples: int = MIN_RESAMPLES,
    seed: int = 0,
    confidence: float = 0.95,
) -> dict[str, Any]:
    """The statistics of a comparison: every figure's interval, p-values, Holm, verdicts."""
    from emotrain.stats import holm, mcnemar_exact, paired_bootstrap_many, verdict

    margins = margins or parse_margins(model, None)
    figures = {name: fn for name, (fn, _) in FIGURES[model].items()}
    side_b, side_a = _Recorder(pred_b, targets, figures), _Recorder(pred_a, targets, figures)
    # Thousands of figures on small resampled tensors: torch's thread pool only adds waiting
    # (25x slower measured on a busy 2-core machine), and the figures are the same on one thread.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        results = paired_bootstrap_many(
            side_b, side_a, groups, n_resamples=n_resamples, seed=seed, confidence=confidence
        )  # B first: every difference is B - A, and "better" means B is better
    finally:
        torch.set_num_threads(threads)
    rows = []
    for column, (figure, result) in enumerate(results.items()):
        higher = figure not in M.LOWER_IS_BETTER
        if not (np.isfinite(result.a) and np.isfinite(result.b)):
            value_b, value_a = (None if not np.isfinite(v) else v for v in (result.a, result.b))
            rows.append({"figure": figure, "verdict": "undefined", "a": value_a, "b": value_b})
            continue
        if figure == "quadrant_accuracy":
            p = float(
                mcnemar_exact(
                    _quadrant_correct(pred_b, targets), _quadrant_correct(pred_a, targets)
                )
            )
            method = "McNemar exact (frames)"
        else:
            p, method = _bootstrap_p(side_b, side_a, column, n_resamples), "bootstrap over songs"
        rows.append(
            {
                "figure": figure,
                "higher_is_better": higher,
                "a": float(result.b),
                "b": float(result.a),
                "diff": float(result.diff),
                "ci_low": result.to_dict()["ci_low"],
                "ci_high": result.to_dict()["ci_high"],
                "margin": float(margins[figure]),
                "p_value": p,
                "p_method": method,
                "undefined_resamples": result.n_undefined,
                "_direction": verdict(result, higher),
            }
        )
    tested = [r for r in rows if r.get("verdict") != "undefined"]
    known = [r for r in tested if r["p_value"] is not None]
    adjusted = holm([r["p_value"] for r in known]) if known else []
    for row, p in zip(known, adjusted, strict=True):
        row["p_holm"] = float(p)
    for row in tested:
        row.setdefault("p_holm", None)
        row["verdict"] = _figure_verdict(row, row.pop("_direction"))
    deciding = deciding_figures(model)
    return {
        "figures": rows,
        "verdict": overall_verdict([r["verdict"] for r in tested if r["figure"] in deciding]),
        "decided_by": list(deciding),
        "bootstrap": {
            "unit": "song",
            "n_resamples": n_resamples,
            "seed": seed,
            "confidence": confidence,
            "n_songs": len(set(groups)),
        },
        "alpha": ALPHA,
        "correction": "Holm across figures",
    }


def streamed_stats(
    side_a: Any, side_b: Any, chosen: Any, margins: dict[str, float], n_resamples: int, seed: int
) -> dict[str, dict[str, Any]]:
    """Both sides over the songs streamed whole and as one live set (evaluation/streamed.py),
    compared frame by frame with the bootstrap resampling songs, as for the windows."""
    from emotrain.evaluation.streams import LIVE_SET_ORDER, streams_for

    streams = streams_for(chosen)
    keep = [i for i, m in enumerate(streams.masks) if m.any()]
    groups = [streams.songs[i] for i in keep for _ in range(int(streams.masks[i].sum()))]
    target = np.concatenate([streams.targets[i][streams.masks[i]] for i in keep])
    targets = torch.from_numpy(target).to(torch.float64).unsqueeze(1)
    out = {}
    for mode, carry in (("streamed", False), ("live_set", True)):
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
    out["streamed"]["how"] = f"{streams.source}; one reset() per {streams.unit[:-1]}"
    out["live_set"]["how"] = f"the {streams.unit} back to back from one reset(), {LIVE_SET_ORDER}"
    out["live_set"]["order"] = LIVE_SET_ORDER
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
    if get_spec(side_a.name).streamed and side_a.streamer and side_b.streamer:
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
