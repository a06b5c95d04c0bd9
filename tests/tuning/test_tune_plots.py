"""The study's plots can be read: parameter names whole and inside the figure, the parallel
coordinates' axis names apart, whole trial numbers on the history's x axis."""

from __future__ import annotations

import itertools
import warnings

import pytest

NAMES = ("learning_rate", "batch_size", "weight_decay", "grad_clip_norm",
         "early_stopping_patience", "lr_factor", "lr_patience")  # fmt: skip


@pytest.fixture(scope="module")
def study():
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))

    def objective(trial):
        lr = trial.suggest_float("learning_rate", 1e-5, 1e-2, log=True)
        trial.suggest_categorical("batch_size", [8, 16, 32])
        trial.suggest_float("weight_decay", 1e-6, 1e-3, log=True)
        trial.suggest_float("grad_clip_norm", 0.2, 2.0)
        trial.suggest_int("early_stopping_patience", 5, 20)
        trial.suggest_float("lr_factor", 0.2, 0.9)
        trial.suggest_int("lr_patience", 2, 6)
        return lr * 100

    study.optimize(objective, n_trials=3)
    return study


def _figure(study, name):
    from optuna.visualization import matplotlib as vis

    from emotrain.tuning.report import readable

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ax = getattr(vis, f"plot_{name}")(study)
    fig = readable(name, ax, list(NAMES))
    fig.canvas.draw()
    return fig, ax


def _inside(fig, label) -> bool:
    box = label.get_window_extent()
    width, height = fig.canvas.get_width_height()
    return box.x0 >= 0 and box.x1 <= width and box.y0 >= 0 and box.y1 <= height


def test_param_importances_show_every_name_whole(study):
    fig, ax = _figure(study, "param_importances")
    labels = [t for t in ax.get_yticklabels() if t.get_text()]
    assert sorted(t.get_text() for t in labels) == sorted(NAMES)
    assert all(_inside(fig, t) for t in labels), [
        t.get_text() for t in labels if not _inside(fig, t)
    ]


def test_parallel_coordinate_names_are_apart_and_inside(study):
    fig, ax = _figure(study, "parallel_coordinate")
    labels = [t for t in ax.get_xticklabels() if t.get_text()]
    assert {t.get_text() for t in labels} >= set(NAMES)
    assert all(_inside(fig, t) for t in labels)
    boxes = sorted((t.get_window_extent() for t in labels), key=lambda b: b.x0)
    # rotated names may overlap in height but each starts right of where the previous one starts
    # and the axes are at least a name's font height apart
    gaps = [b.x1 - a.x1 for a, b in itertools.pairwise(boxes)]
    assert min(gaps) > 12, gaps


def test_optimization_history_has_whole_trial_numbers(study):
    _, ax = _figure(study, "optimization_history")
    ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    assert ticks and all(float(t).is_integer() for t in ticks), ticks
