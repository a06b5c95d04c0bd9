"""What a study leaves in DIR besides its trials: trials.csv, best_config.toml, best/, plots/, and
the summary `--json` prints. Written by the command's own process only (never by a worker)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from emotrain.io import atomic_write_bytes, atomic_write_text
from emotrain.tuning.study import StudySpec
from emotrain.tuning.trial import trial_dir


def _value(t: Any) -> float | None:
    v = t.value if t.values else None
    return float(v) if isinstance(v, (int, float)) and math.isfinite(v) else None


def trial_rows(trials: list[Any], space: list[str]) -> list[dict[str, Any]]:
    rows = []
    for t in trials:
        duration = (
            (t.datetime_complete - t.datetime_start).total_seconds()
            if t.datetime_complete and t.datetime_start
            else None
        )
        row = {
            "number": t.number,
            "state": t.state.name,
            "value": _value(t),
            "duration_s": duration,
            **{f"params_{p}": t.params.get(p) for p in space},
            "fail_reason": t.user_attrs.get("fail_reason", ""),
            "retry_of": t.user_attrs.get("emotrain_retry_of", ""),
        }
        rows.append(row)
    return rows


def write_trials_csv(spec: StudySpec, trials: list[Any]) -> Path:
    """Rewritten after every trial: the csv module, not pandas (a per-trial fixed cost)."""
    import csv
    import io

    rows = trial_rows(trials, list(spec.space))
    fields = list(rows[0]) if rows else ["number", "state", "value", "duration_s", "fail_reason"]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: ("" if v is None else v) for k, v in row.items()} for row in rows)
    path = spec.dir / "trials.csv"
    atomic_write_text(path, buffer.getvalue())
    return path


def best_trial(study: Any) -> Any | None:
    from optuna.trial import TrialState

    done = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))]
    done = [t for t in done if _value(t) is not None]
    if not done:
        return None
    sign = 1.0 if study.direction.name == "MINIMIZE" else -1.0
    return min(done, key=lambda t: (sign * _value(t), t.number))


def write_best(spec: StudySpec, trial: Any) -> dict[str, str]:
    """best_config.toml (usable with `emotrain train --config`) and best/<model>.json."""
    from emotrain.config import RunConfig
    from emotrain.configfile import config_to_toml
    from emotrain.runs.paths import RunPaths

    folder = RunPaths(trial_dir(spec, trial.number))
    config = RunConfig.from_dict(json.loads(folder.run_config.read_text(encoding="utf-8")))
    header = (
        f"The best trial ({trial.number}, {spec.metric} {_value(trial):.6g}) of the study "
        f"{spec.study_name}.\nTrain it again with: emotrain train --config best_config.toml --output DIR"
    )
    out = {"best_config": str(atomic_write_text(spec.dir / "best_config.toml",
                                                 config_to_toml(config, header)))}  # fmt: skip
    export = folder.export(spec.model)
    if export.exists():
        out["best_export"] = str(
            atomic_write_bytes(spec.dir / "best" / export.name, export.read_bytes())
        )
    return out


def readable(
    name: str,
    ax: Any,
    params: list[str] | None = None,
    *,
    metric: str = "val_loss",
    direction: str | None = "minimize",
    finished: int | None = None,
) -> Any:
    """Optuna's figure, laid out to be read: whole parameter names (Optuna shortens long ones on
    the parallel coordinates to `early_stopping_...`; `params` gives them back), room for every
    axis, whole trial numbers on the history's x axis, the metric's name instead of "Objective
    Value", and a caveat on importances from few trials (tuning/plots.py). Returns the figure."""
    from matplotlib.ticker import MaxNLocator

    from emotrain.tuning.plots import name_the_metric

    fig = ax.figure if hasattr(ax, "figure") else ax.flat[0].figure
    if name in ("optimization_history", "param_importances"):
        name_the_metric(name, ax, metric, direction, finished)
    if name == "optimization_history":
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        fig.set_size_inches(9, 5)
    elif name == "param_importances":
        fig.set_size_inches(9, 1.5 + 0.45 * max(1, len(ax.get_yticklabels())))
    elif name == "parallel_coordinate":
        n_axes = len(ax.get_xticklabels())
        fig.set_size_inches(max(9.0, 1.5 * n_axes), 6)
        whole = []
        for label in ax.get_xticklabels():
            text = label.get_text()
            stem = text[:-3] if text.endswith("...") else None
            match = [p for p in params or () if stem and p.startswith(stem)]
            whole.append(match[0] if len(match) == 1 else text)
        ax.set_xticks(ax.get_xticks(), whole)
        for label in ax.get_xticklabels():
            label.set_rotation(30)
            label.set_horizontalalignment("right")
            label.set_fontsize(9)
    fig.tight_layout()
    return fig


def write_plots(spec: StudySpec, study: Any) -> tuple[list[str], list[str]]:
    """Optuna's matplotlib figures; one that cannot be drawn yet (too few trials) is a note."""
    import matplotlib

    matplotlib.use("Agg")
    import warnings

    import matplotlib.pyplot as plt
    from optuna.trial import TrialState
    from optuna.visualization import matplotlib as vis

    from emotrain.tuning.plots import parallel_coordinate_figure
    from emotrain.tuning.runner import quiet_optuna

    quiet_optuna()
    made, skipped = [], []
    plots = spec.dir / "plots"
    finished = len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))
    for name, draw in (
        ("optimization_history", vis.plot_optimization_history),
        ("param_importances", vis.plot_param_importances),
        ("parallel_coordinate", None),
    ):
        try:
            if draw is None:  # drawn here: Optuna's is white on grey with struck-through labels
                fig = parallel_coordinate_figure(study, spec.metric, spec.direction)
            else:
                with warnings.catch_warnings():  # "too few trials" notes from Optuna's figures
                    warnings.simplefilter("ignore")
                    ax = draw(study)
                params = sorted({p for t in study.trials for p in t.params})
                fig = readable(name, ax, params, metric=spec.metric, direction=spec.direction,
                               finished=finished)  # fmt: skip
            plots.mkdir(parents=True, exist_ok=True)
            import io

            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", dpi=100)
            plt.close(fig)
            made.append(str(atomic_write_bytes(plots / f"{name}.png", buffer.getvalue())))
        except Exception as exc:  # e.g. importances need two finished trials with varied params
            plt.close("all")
            skipped.append(f"{name}: {' '.join(str(exc).split())[:160]}")
    return made, skipped


def summary(spec: StudySpec, study: Any) -> dict[str, Any]:
    from emotrain.tuning.runner import counts

    trials = study.get_trials(deepcopy=False)
    best = best_trial(study)
    return {
        "study_name": spec.study_name,
        "storage": spec.storage,
        "directory": str(spec.dir),
        "model": spec.model,
        "metric": spec.metric,
        "direction": spec.direction,
        "trials_target": spec.trials,
        "counts": counts(trials),
        "best": None
        if best is None
        else {"number": best.number, "value": _value(best), "params": dict(best.params)},
        "trials": trial_rows(trials, list(spec.space)),
    }
