"""A recurrent network judged as the plugin runs it: songs streamed whole, and a live set.

Three evaluations of one model, each beside the same constant baseline and bootstrapped over the
same songs (the same seed draws the same songs in each):

- `streamed` (the headline): each song from one `reset()`, every frame of it, the labelled frames
  scored; the MediaEval benchmark figures (benchmark.py) come from these outputs;
- `live_set`: all evaluated songs back to back from a single reset, in the stated order, each
  song's frames scored from that one pass;
- `windowed`: the training windows (`--seq-len` frames), each from a zero state, as before.

The emotion recognizer streams songs (whole_songs.py) and also reports how fast it follows a change of
label (response.py); the melody streams clips (melody_songs.py), its live set changes quadrant
at every join, and it also reports each clip's best-note confidence inside the set against the
same clip from a reset (live_ratio.py). The dynamics engine and the groove predictor stream their
clips whole (performance_songs.py); they are dense, with no state to carry, so a live set would
give each frame the very output it gets from a reset: they get `streamed` and `windowed` only, and
each streamed block its MAE per named dimension (dimensions.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from emotrain.evaluation import benchmark, verdicts
from emotrain.evaluation.dimensions import per_dimension
from emotrain.evaluation.moments import sequence_sums
from emotrain.evaluation.whole_songs import Streamer, Streams

#: The report's order of the emotion figures: the frame figures, the headline, the benchmark's.
ORDER = (
    "mse", "mae", "cosine_similarity", "mean_pearson", "valence_ccc", "arousal_ccc",
    "quadrant_accuracy", "mean_ccc", *benchmark.FIGURES,
)  # fmt: skip


def _ordered(figures: dict[str, Any]) -> dict[str, Any]:
    known = [k for k in ORDER if k in figures]
    return {k: figures[k] for k in known + [k for k in figures if k not in known]}


def judge_streams(
    spec: Any,
    streams: Streams,
    outputs: list[np.ndarray],
    baseline_mean: torch.Tensor,
    opts: verdicts.BootstrapOptions,
) -> dict[str, Any]:
    """Figures of streamed outputs beside the constant baseline, bootstrapped over songs."""
    from emotrain.stats import paired_bootstrap_many

    keep = [i for i, m in enumerate(streams.masks) if m.any()]
    songs = [streams.song_of[i] for i in keep]
    pred = np.concatenate([outputs[i][streams.masks[i]] for i in keep])
    target = np.concatenate([streams.targets[i][streams.masks[i]] for i in keep])
    lengths = [int(streams.masks[i].sum()) for i in keep]
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    p = torch.from_numpy(pred).to(torch.float64).unsqueeze(1)
    t = torch.from_numpy(target).to(torch.float64).unsqueeze(1)
    base = baseline_mean.to(torch.float64).expand(t.shape)
    const = baseline_mean.double().numpy()
    masks = [streams.masks[i] for i in keep]
    targets = [streams.targets[i] for i in keep]
    constant = [np.broadcast_to(const, (m.shape[0], const.shape[0])) for m in masks]
    with_benchmark = spec.figures == "emotion"  # MediaEval's figures are valence/arousal ones
    sides = []
    for frames_pred, per_song in ((p, [outputs[i] for i in keep]), (base, constant)):
        sums, finish = sequence_sums(spec.name, frames_pred, t, segments=starts)
        bench = (
            benchmark.song_columns(per_song, targets, masks, streams.frame_rate)
            if with_benchmark
            else None
        )
        sides.append((sums, finish, bench))

    def statistic(side: tuple) -> Any:
        sums, finish, bench = side
        if bench is None:
            return lambda idx: _ordered(finish(sums[idx].sum(0)))
        return lambda idx: _ordered(
            {**finish(sums[idx].sum(0)), **benchmark.finish(bench[idx].sum(0))}
        )

    stat_model, stat_base = statistic(sides[0]), statistic(sides[1])
    everything = np.arange(len(keep))
    results = paired_bootstrap_many(
        stat_model, stat_base, songs, n_resamples=opts.n_resamples, seed=opts.seed,
        confidence=verdicts.CONFIDENCE,
    )  # fmt: skip
    scores, base_scores = stat_model(everything), stat_base(everything)
    spread = verdicts.prediction_spread(p, t)
    headline, notes = verdicts.headline(spec, scores, base_scores, results, spread)
    judged: dict[str, Any] = {
        "n_songs": len(set(songs)),
        **({f"n_{streams.stream_unit}": len(keep)} if streams.stream_unit else {}),
        "n_frames": int(sum(o.shape[0] for o in outputs)),
        "n_scored_frames": int(target.shape[0]),
        "headline": headline,
        "metrics": scores,
        "baseline": base_scores,
        "comparison": verdicts.comparisons(results),
        "bootstrap": verdicts.bootstrap_description(results, streams.unit),
        "notes": notes,
    }
    dims = per_dimension(spec.name, p, base, t)
    if dims is not None:
        judged["per_dimension"] = dims
    return judged


def evaluate_streams(
    spec: Any,
    streams: Streams,
    streamer: Streamer,
    baseline_mean: torch.Tensor,
    opts: verdicts.BootstrapOptions,
    *,
    what: str = "the model",
) -> dict[str, dict[str, Any]]:
    """`streamed` and `live_set` blocks of the report (`streamed` alone for a dense network: a
    live set gives it the same outputs); CheckpointError for non-finite outputs."""
    from emotrain.errors import CheckpointError

    songs_out = streamer(streams.inputs, False)
    live_out = streamer(streams.inputs, True) if spec.recurrent else songs_out
    if not (_finite(songs_out) and _finite(live_out)):
        raise CheckpointError(f"cannot evaluate {what}: its streamed predictions are not finite")
    streamed = judge_streams(spec, streams, songs_out, baseline_mean, opts)
    if not spec.recurrent:
        streamed["how"] = f"{streams.source}; a dense network, no state between frames"
        return {"streamed": streamed}
    streamed["how"] = f"{streams.source}; one reset() per {streams.each}"
    live = judge_streams(spec, streams, live_out, baseline_mean, opts)
    live["how"] = (
        f"the {len(streams.songs)} {streams.stream_unit or streams.unit} back to back as one "
        f"stream from a single reset(), {streams.order}"
    )
    live["order"] = streams.order
    live["songs"] = list(streams.songs)
    if spec.figures == "emotion":  # how fast valence and arousal follow a change
        from emotrain.evaluation.response import response_summary

        rate = streams.frame_rate
        streamed["response"] = response_summary(songs_out, streams.targets, streams.masks, rate)
        joined = [np.concatenate(x) for x in (live_out, streams.targets, streams.masks)]
        live["response"] = response_summary([joined[0]], [joined[1]], [joined[2]], rate)
    if spec.figures == "notes":  # how sure of its best note it stays inside the set
        from emotrain.evaluation.live_ratio import ratio_summary

        live["live_ratio"] = ratio_summary(streams.songs, songs_out, live_out)
    return {"streamed": streamed, "live_set": live}


def _finite(outputs: list[np.ndarray]) -> bool:
    return all(bool(np.isfinite(o).all()) for o in outputs)
