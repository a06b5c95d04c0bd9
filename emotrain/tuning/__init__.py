"""Hyperparameter search on Optuna where every trial is an ordinary emotrain run folder.

study.py (storage, sampler, pruner, the study's identity), space.py (what is searched),
trial.py (a trial = a run via training/), recovery.py (stale RUNNING trials), runner.py (the
worker loop), report.py (trials.csv, best_config.toml, best/, plots/), tune.py (the entry point).
"""
