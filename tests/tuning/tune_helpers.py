"""Shared pieces of the tune tests: tiny study options, a small space, reading a study's files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

#: A study whose trials take well under a second each on a 2-core CPU.
TUNE = ["--model", "groove", "--samples", "24", "--seq-len", "4", "--device", "cpu", "--quiet"]

#: The shared study's options (tests that compare with it repeat them).
STUDY_ARGS = ["--epochs", "3", "--seed", "2", "--pruner", "median"]

#: Two learning rates far apart (the known answer: the larger learns in 3 epochs, 1e-5 does not),
#: tiny batches, and a continuous parameter so TPE has something to model.
SPACE = """
[learning_rate]
choices = [1e-5, 0.03]
[batch_size]
choices = [8]
[weight_decay]
enabled = false
[lr_patience]
enabled = false
[lr_factor]
enabled = false
[early_stopping_patience]
enabled = false
"""


def write_space(folder: Path, text: str = SPACE) -> Path:
    path = folder / "space.toml"
    path.write_text(text, encoding="utf-8")
    return path


def rows(study_dir: Path) -> list[dict[str, str]]:
    with open(study_dir / "trials.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def history(run: Path, model: str = "groovepredictor") -> dict:
    return json.loads((run / "history" / f"{model}_history.json").read_text(encoding="utf-8"))


def comparable(study_dir: Path) -> list[tuple]:
    """What must repeat bit for bit: numbers, states, values and parameters (not durations)."""
    return [
        (r["number"], r["state"], r["value"], *(v for k, v in r.items() if k.startswith("params_")))
        for r in rows(study_dir)
    ]
