"""`emotrain plot`: redraw one run's plots from its histories, or overlay several runs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from emotrain.errors import DataError
from emotrain.io import check_folder_writable
from emotrain.plotting.figures import plot_history
from emotrain.plotting.history import find_histories, load_history
from emotrain.plotting.overlay import plot_comparison

DEFAULT_COMPARISON_DIR = "plots-compared"  # not ./comparison, which `compare` writes


def _labels(run_dirs: Sequence[Path]) -> list[str]:
    """Run folder names for the legend; full paths where two folders share a name."""
    names = [p.resolve().name or str(p) for p in run_dirs]
    return [str(p) if names.count(n) > 1 else n for p, n in zip(run_dirs, names, strict=True)]


def plot_runs(
    run_dirs: str | Path | Sequence[str | Path],
    *,
    output: str | Path | None = None,
    models: Sequence[str] | str | None = None,
    log: bool | None = None,
    note: Callable[[str], None] | None = None,
) -> list[Path]:
    """Redraw `<run>/plots/<name>_{loss,metric}.png` (one run) or overlay several runs into
    `output` (default ./plots-compared). Every history is checked before any image is written.

    A history without a completed epoch (a run interrupted in a model's first epoch) is passed
    over with a `note` ("<name>: no completed epoch yet; nothing to plot") so the other models
    still get their plots; only when no history at all has an epoch is that an error.
    Returns the PNG paths written.
    """
    from emotrain.models.catalog import resolve_models

    dirs = [Path(run_dirs)] if isinstance(run_dirs, (str, Path)) else [Path(p) for p in run_dirs]
    if not dirs:
        raise DataError("no run folder given")
    if output is not None:
        check_folder_writable(Path(output))
    wanted = resolve_models(models) if models else None
    found = [find_histories(d, wanted) for d in dirs]
    loaded = [{name: (path, load_history(path)) for name, path in runs.items()} for runs in found]
    histories: list[dict[str, dict]] = []
    passed_over: list[str] = []
    for runs in loaded:
        usable = {}
        for name, (path, history) in runs.items():
            if history["epochs"]:
                usable[name] = history
            else:
                where = f" ({path})" if len(dirs) > 1 else ""
                passed_over.append(f"{name}: no completed epoch yet; nothing to plot{where}")
        histories.append(usable)
    if not any(histories):
        paths = [path for runs in loaded for path, _ in runs.values()]
        if len(paths) == 1:
            raise DataError(f"history {paths[0]} has no completed epoch yet: nothing to plot")
        raise DataError(
            f"nothing to plot: none of the {len(paths)} histories has a completed epoch yet "
            f"({', '.join(str(p) for p in paths)})"
        )
    for text in passed_over if note is not None else ():
        note(text)
    if len(dirs) == 1:
        target = Path(output) if output is not None else dirs[0] / "plots"
        written: list[Path] = []
        for history in histories[0].values():
            written += plot_history(history, target, log=log)
        return written
    target = Path(output) if output is not None else Path(DEFAULT_COMPARISON_DIR)
    labels = _labels(dirs)
    names = [n for n in dict.fromkeys(n for runs in histories for n in runs)]
    written = []
    for name in names:
        runs = [(lbl, h[name]) for lbl, h in zip(labels, histories, strict=True) if name in h]
        written += plot_comparison(runs, target, log=log)
    return written
