"""The study's plots can be read: parameter names whole and inside the figure, the parallel
coordinates' axis names apart, whole trial numbers on the history's x axis."""

from __future__ import annotations

import itertools
import re
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

    from emotrain.tuning.plots import parallel_coordinate_figure
    from emotrain.tuning.report import readable

    if name == "parallel_coordinate":  # drawn by emotrain (tuning/plots.py)
        fig = parallel_coordinate_figure(study, "val_loss", "minimize")
        fig.canvas.draw()
        return fig, fig.axes[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ax = getattr(vis, f"plot_{name}")(study)
    fig = readable(name, ax, list(NAMES), metric="val_loss", direction="minimize",
                   finished=len(study.trials))  # fmt: skip
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


def _texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")) if t.get_text()]


def test_parallel_coordinate_reads_on_white_with_integer_ticks(study):
    """Issue 24: the worst trial was white on grey, lines struck through the tick labels, and
    integer parameters had ticks like 9.25."""
    from matplotlib.colors import to_rgb

    fig, ax = _figure(study, "parallel_coordinate")
    assert to_rgb(ax.get_facecolor()) == (1.0, 1.0, 1.0)
    trial_lines = [ln for ln in ax.get_lines() if ln.get_linewidth() > 1.2]
    assert len(trial_lines) == len(study.trials)
    for line in trial_lines:  # every trial stands out from the white ground
        r, g, b = to_rgb(line.get_color())
        assert 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.8, line.get_color()
    top = max(ln.get_zorder() for ln in trial_lines)
    ticks = [t for t in ax.texts if (t.get_gid() or "").startswith("tick:")]
    assert ticks
    for text in ticks:  # above the lines, on an opaque white patch: never struck through
        patch = text.get_bbox_patch()
        assert text.get_zorder() > top and patch is not None
        assert to_rgb(patch.get_facecolor()) == (1.0, 1.0, 1.0) and patch.get_alpha() >= 0.9
    for name in ("early_stopping_patience", "lr_patience"):  # suggest_int
        labels = [t.get_text() for t in ticks if t.get_gid() == f"tick:{name}"]
        assert labels and all(re.fullmatch(r"\d+", lbl) for lbl in labels), (name, labels)
    assert any("val_loss" in t for t in _texts(fig))


def test_history_and_importances_name_the_metric(study):
    fig, ax = _figure(study, "optimization_history")
    assert "val_loss" in ax.get_ylabel() and "val_loss" in ax.get_title()
    assert not any("Objective Value" in t for t in _texts(fig)), _texts(fig)
    fig, ax = _figure(study, "param_importances")
    assert not any("Objective Value" in t for t in _texts(fig)), _texts(fig)
    assert "only 3 finished trials" in ax.get_title(loc="left")  # 3 trials: a caveat


def test_importances_from_enough_trials_carry_no_caveat():
    import optuna

    from emotrain.tuning.plots import name_the_metric

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_int("n", 1, 3), n_trials=12)
    from optuna.visualization import matplotlib as vis

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ax = vis.plot_param_importances(study)
    name_the_metric("param_importances", ax, "val_mae", "minimize", 12)
    assert ax.get_title(loc="left") == "Hyperparameter importances for val_mae"
