"""Where a run's files live: the one place that knows the output layout.

No emotrain imports: training, export, evaluation, registry and preview all stand on it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

RUN_CONFIG = "run_config.json"
RUN_CONFIG_TOML = "run_config.toml"
CHECKPOINTS = "checkpoints"
HISTORY = "history"
PLOTS = "plots"
SPLITS = "splits"


@dataclass(frozen=True)
class RunPaths:
    root: Path

    @property
    def checkpoints_dir(self) -> Path:
        return self.root / CHECKPOINTS

    @property
    def history_dir(self) -> Path:
        return self.root / HISTORY

    @property
    def plots_dir(self) -> Path:
        return self.root / PLOTS

    @property
    def splits_dir(self) -> Path:
        return self.root / SPLITS

    @property
    def run_config(self) -> Path:
        return self.root / RUN_CONFIG

    @property
    def run_config_toml(self) -> Path:
        return self.root / RUN_CONFIG_TOML

    def checkpoint(self, name: str, kind: str) -> Path:
        return self.checkpoints_dir / f"{name}_{kind}.pt"

    def history_json(self, name: str) -> Path:
        return self.history_dir / f"{name}_history.json"

    def history_csv(self, name: str) -> Path:
        return self.history_dir / f"{name}_history.csv"

    def split(self, name: str) -> Path:
        return self.splits_dir / f"{name}_split.json"

    def export(self, name: str) -> Path:
        return self.root / f"{name}.json"

    def plots(self, name: str) -> tuple[Path, Path]:
        return self.plots_dir / f"{name}_loss.png", self.plots_dir / f"{name}_metric.png"

    def model_files(self, name: str) -> list[Path]:
        """Every file a model's run owns (what --overwrite removes)."""
        return [
            self.checkpoint(name, "latest"),
            self.checkpoint(name, "best"),
            self.history_json(name),
            self.history_csv(name),
            self.split(name),
            self.export(name),
            *self.plots(name),
        ]

    def has_run(self, name: str) -> bool:
        """Anything of this model's that training would replace: a run, or just its export
        (an output folder may be a plugin's models folder)."""
        return any(p.exists() for p in self.model_files(name))


def run_dir_of_checkpoint(path: Path) -> Path | None:
    """The run folder of a checkpoint in `<run>/checkpoints/`, when that folder is a run's (it has
    `run_config.json` or `splits/`); None for a checkpoint lying anywhere else."""
    parent = path.parent
    run = RunPaths(parent.parent)
    if parent.name == CHECKPOINTS and (run.run_config.is_file() or run.splits_dir.is_dir()):
        return parent.parent
    return None
