"""A run folder's layout, in one place below training, export, evaluation, registry and preview.

Training writes a run folder; resume, export, evaluate, the registry and preview read one. Each
asks `RunPaths` (and the two readers below it) where a file is, rather than spelling
`checkpoints/`, `run_config.json` or `splits/` itself.
"""

from emotrain.runs.paths import RunPaths, run_dir_of_checkpoint
from emotrain.runs.status import RunStatus

__all__ = ["RunPaths", "RunStatus", "run_dir_of_checkpoint"]
