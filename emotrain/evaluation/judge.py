"""One model's figures beside the mean baseline's, whatever runs it (a checkpoint or an export).

Every network is judged on its evaluated sequences (windows); the emotion recognizer also on its
songs, the melody on its clips, streamed whole and as a live set (stream_modes.py), which then give
its headline; the dynamics engine and the groove predictor on their clips fed whole (dense
networks: no live set), their headline too.
"""

from __future__ import annotations

from typing import Any

from emotrain.evaluation.data import EvalData
from emotrain.evaluation.dimensions import per_dimension
from emotrain.evaluation.whole_songs import Streamer


def _melody_notes(pred: Any, data: EvalData) -> list[str]:
    from emotrain.evaluation import metrics

    _, _, _, used = metrics.topk_prf(pred, data.targets)
    total = data.targets.shape[0] * data.targets.shape[1]
    if used == 0:
        return [
            "no step has an active note: the top-k and pitch-class figures are undefined (null)"
        ]
    if used < total:
        return [
            f"top-k and pitch-class figures skip {total - used} of {total} steps without an "
            "active note"
        ]
    return []


def whole_streams(spec: Any, data: EvalData) -> Any:
    """How `spec`'s evaluated data is rebuilt whole for streaming (its spec's `judged_whole`),
    None where it is not streamed: the recognizer's songs (whole_songs.py), the melody's clips
    (melody_songs.py), the dynamics engine's and groove predictor's clips of a MIDI corpus
    (performance_songs.py; their synthetic items would stream as the very windows, their outputs
    depending on no state). Harmony's chord songs are judged by harmony.py, by WCSR."""
    whole = spec.judged_whole
    if spec.streamed:  # the recognizer's songs, from any data
        from emotrain.evaluation.whole_songs import streams_for

        return streams_for
    if whole == "clips":
        from emotrain.evaluation.melody_songs import melody_streams

        return melody_streams
    cfg = data.data_config
    if whole == "performances" and cfg is not None and cfg.kind != "synthetic":
        from emotrain.evaluation.performance_songs import performance_streams

        return performance_streams(spec)
    return None


def judge(
    spec: Any, pred: Any, data: EvalData, streamer: Streamer | None, opts: Any, what: str
) -> tuple[dict[str, Any], list[str]]:
    """(the report's figure fields, notes): `pred` is the windowed prediction of `data.inputs`;
    `streamer` runs whole songs or clips (the streamed headline), None for windows only."""
    from emotrain.evaluation import baselines, metrics, verdicts

    scores = metrics.model_metrics(spec.name, pred, data.targets)
    mean = baselines.baseline_constant(spec.name, data.baseline_targets)
    base_pred = baselines.constant_prediction(mean, data.targets)
    base_scores = metrics.model_metrics(spec.name, base_pred, data.targets)
    results = verdicts.compare(spec.name, pred, data.targets, base_pred, data.groups, opts)
    spread = verdicts.prediction_spread(pred, data.targets)
    headline, notes = verdicts.headline(spec, scores, base_scores, results, spread)
    if spec.figures == "notes":
        notes = _melody_notes(pred, data) + notes
    judged: dict[str, Any] = {
        "n_items": int(data.inputs.shape[0]),
        "n_frames": int(data.inputs.shape[0] * data.inputs.shape[1]),
        "headline": headline,
        "metrics": scores,
        "baseline": base_scores,
        "comparison": verdicts.comparisons(results),
        "bootstrap": verdicts.bootstrap_description(results, data.group_unit),
    }
    dims = per_dimension(spec.name, pred, base_pred, data.targets)
    if dims is not None:
        judged["per_dimension"] = dims
    out: dict[str, Any] = {"headline_mode": "windowed"}
    whole = whole_streams(spec, data) if streamer is not None else None
    if whole is not None:
        from emotrain.evaluation import stream_modes

        modes = stream_modes.evaluate_streams(spec, whole(data), streamer, mean, opts, what=what)
        modes["windowed"] = {
            **judged,
            "how": f"{judged['n_items']} windows of {data.inputs.shape[1]} frames"
            + (", each from a zero state" if spec.recurrent else "")
            + " (as training sees them)",
            "notes": notes,
        }
        first = modes["streamed"]
        judged = {k: first[k] for k in judged if k in first}
        judged["n_items"], judged["n_frames"] = first["n_songs"], first["n_frames"]
        notes = first["notes"]
        out = {"headline_mode": "streamed", "modes": modes}
    elif streamer is not None:
        from emotrain.evaluation import harmony

        if harmony.is_chord_data(spec, data):
            modes = harmony.evaluate_chords(spec, data, streamer, opts, what=what)
            first = modes["streamed"]
            modes = {
                **modes,
                "windowed": {
                    **judged,
                    "how": f"{judged['n_items']} windows of {data.inputs.shape[1]} frames "
                    "(as training sees them)",
                    "notes": notes,
                },
            }
            judged = {k: first[k] for k in judged if k in first}
            judged["n_items"], judged["n_frames"] = first["n_songs"], first["n_frames"]
            notes = first["notes"]
            out = {"headline_mode": "streamed", "modes": modes}
    fields = {
        "n_items": judged["n_items"],
        "n_frames": judged["n_frames"],
        "headline_mode": out["headline_mode"],
        "headline": judged["headline"],
        "metrics": judged["metrics"],
        "baseline": judged["baseline"],
        "comparison": judged["comparison"],
        "bootstrap": judged["bootstrap"],
        **({"modes": out["modes"]} if "modes" in out else {}),
        "baseline_method": baselines.describe(spec.name, data.baseline_source),
    }
    if judged.get("per_dimension") is not None:  # the headline mode's
        fields["per_dimension"] = judged["per_dimension"]
    if "modes" in out and "baseline_chord" in out["modes"]["streamed"]:
        fields["baseline_method"] = (
            f"always the training split's most frequent chord "
            f"({out['modes']['streamed']['baseline_chord']}), from {data.baseline_source}"
        )
    return fields, notes
