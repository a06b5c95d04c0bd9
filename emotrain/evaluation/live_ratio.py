"""The melody inside a live set against the same clip from a reset: mean best-note probability.

The plugin's melody hears one clip after another without a reset; a melody trained only from zero
states may fall silent on a clip after another quadrant's (issue #23 measured 0.15 of the
from-reset confidence). For each clip: the mean over its steps of the most probable note's
probability, once from a reset and once inside the set; the ratio says what the set costs it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch


def best_note(outputs: np.ndarray) -> float:
    """Mean over a clip's steps of its most probable note's probability."""
    return float(np.asarray(outputs).max(-1).mean())


def ratio_summary(
    names: list[str], reset: list[np.ndarray], live: list[np.ndarray]
) -> dict[str, Any]:
    """Each clip's live/reset best-note ratio from the two passes' outputs (per clip, in the live
    set's order), with the min and median: the `live_ratio` block of `evaluate`'s live set."""
    per_clip, ratios = {}, []
    for name, r_out, l_out in zip(names, reset, live, strict=True):
        r, v = best_note(r_out), best_note(l_out)
        ratio = v / r if r > 0 else None
        per_clip[name] = {"reset": r, "live": v, "ratio": ratio}
        if ratio is not None:
            ratios.append(ratio)
    worst = min(per_clip, key=lambda c: per_clip[c]["ratio"] or 0.0) if per_clip else None
    return {
        "figure": "mean best-note probability inside the live set / the same clip from a reset",
        "n_clips": len(per_clip),
        "min": float(min(ratios)) if ratios else None,
        "median": float(np.median(ratios)) if ratios else None,
        "worst_clip": worst,
        "per_clip": per_clip,
    }


def live_set_ratios(model: Any, clips: dict[str, torch.Tensor], order: list[str]) -> dict[str, Any]:
    """`clips` (T, 64) inputs by id, played in `order` back to back from one reset."""
    model.eval()
    with torch.no_grad():
        reset = {c: float(model(clips[c][None]).amax(-1).mean()) for c in order}
        state, live, outputs = None, {}, {}
        for c in order:
            y, state = model.stream(clips[c][None], state)
            live[c], outputs[c] = float(y.amax(-1).mean()), y[0]
    ratios = {c: live[c] / reset[c] if reset[c] > 0 else float("nan") for c in order}
    return {"reset": reset, "live": live, "ratio": ratios, "live_outputs": outputs}


def interleave_by_quadrant(clips: dict[str, torch.Tensor]) -> list[str]:
    """Clips in id order, taken round robin by quadrant: every join changes the emotion."""
    from emotrain.plugin.embedding import quadrants, valence_arousal

    by_q: dict[int, list[str]] = {}
    for c in sorted(clips):
        v, a = valence_arousal(clips[c][:1].numpy())
        by_q.setdefault(int(quadrants(v, a)[0]), []).append(c)
    rounds = max(len(v) for v in by_q.values())
    return [q[i] for i in range(rounds) for q in by_q.values() if i < len(q)]


def validation_clips(run_dir: Any, name: str = "melodytransformer") -> dict[str, torch.Tensor]:
    """A run's validation clips whole: each clip's windows joined in order."""
    from emotrain.evaluation.data import run_config_of, run_validation_data
    from emotrain.training.checkpoint import load_checkpoint_model

    ckpt, spec, _ = load_checkpoint_model(run_dir / "checkpoints" / f"{name}_best.pt")
    data = run_validation_data(spec, ckpt, run_config_of(ckpt, run_dir), run_dir)
    rows: dict[str, list[int]] = {}
    for i, g in enumerate(data.groups):
        rows.setdefault(g, []).append(i)
    return {g: data.inputs[idx].reshape(-1, data.inputs.shape[-1]) for g, idx in rows.items()}
