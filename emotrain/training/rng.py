"""Every random generator a run touches, captured and restored as plain values and tensors.

A checkpoint stores them so that a resumed run continues exactly where the interrupted one was,
and stores them as tensors and numbers so that `torch.load(weights_only=True)` can read them.
"""

from __future__ import annotations

import random
from typing import Any

import torch


def rng_state() -> dict[str, Any]:
    import numpy as np

    key, state, pos, has_gauss, cached = np.random.get_state()
    out: dict[str, Any] = {
        "torch": torch.get_rng_state(),
        "python": _python_rng_state(),
        "numpy": {
            "key": key,
            "state": torch.from_numpy(state.astype("int64")),
            "pos": int(pos),
            "has_gauss": int(has_gauss),
            "cached_gaussian": float(cached),
        },
    }
    if torch.cuda.is_available():
        out["cuda"] = torch.cuda.get_rng_state_all()
    return out


def _python_rng_state() -> dict[str, Any]:
    version, internal, gauss = random.getstate()
    return {"version": version, "state": torch.tensor(internal, dtype=torch.int64), "gauss": gauss}


def set_rng_state(state: dict[str, Any]) -> None:
    import numpy as np

    if "torch" in state:
        torch.set_rng_state(state["torch"])
    if "python" in state:
        py = state["python"]
        random.setstate((py["version"], tuple(int(v) for v in py["state"].tolist()), py["gauss"]))
    if "numpy" in state:
        n = state["numpy"]
        np.random.set_state(
            (
                n["key"],
                n["state"].numpy().astype("uint32"),
                n["pos"],
                n["has_gauss"],
                n["cached_gaussian"],
            )
        )
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
