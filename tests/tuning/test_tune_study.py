"""`emotrain tune` end to end through the real CLI: real Optuna, real journal and SQLite storages."""

from __future__ import annotations

import json
import math
import subprocess
import sys

from tests.tuning.tune_helpers import STUDY_ARGS, TUNE, comparable, history, rows, write_space

TRIAL_JSON_KEYS = {"study_name", "storage", "trial_number", "params", "study_dir"}


def test_study_folder_layout(study):
    for name in ("study.json", "trials.csv", "best_config.toml", "study.journal",
                 "best/groovepredictor.json", "plots/optimization_history.png"):  # fmt: skip
        assert (study / name).is_file(), name
    numbers = sorted(int(p.name) for p in (study / "trials").iterdir())
    assert numbers == [0, 1, 2, 3, 4]
    best = min(
        (r for r in rows(study) if r["state"] == "COMPLETE"), key=lambda r: float(r["value"])
    )["number"]
    for n in numbers:
        run = study / "trials" / str(n)
        record = json.loads((run / "tune_trial.json").read_text())
        assert set(record) >= TRIAL_JSON_KEYS and record["trial_number"] == n
        assert (run / "run_config.toml").is_file() and (run / "checkpoints").is_dir()
        # pruning pays: only the best trial is exported and plotted (a user ships that one)
        assert (run / "groovepredictor.json").is_file() == (str(n) == best)
        assert (run / "plots").exists() == (str(n) == best)
    spec = json.loads((study / "study.json").read_text())
    assert spec["storage"].startswith("journal:") and spec["model"] == "groovepredictor"


def test_trials_csv_has_one_row_per_trial_with_params(study):
    table = rows(study)
    assert [r["number"] for r in table] == ["0", "1", "2", "3", "4"]
    assert {"number", "state", "value", "duration_s", "params_learning_rate"} <= set(table[0])
    assert [r["state"] for r in table] == ["COMPLETE"] * 4 + ["PRUNED"]
    assert all(math.isfinite(float(r["value"])) for r in table)
    for r in table[:4]:  # the value is the trial's own best validation loss
        run = study / "trials" / r["number"]
        assert float(r["value"]) == history(run)["best_val_loss"]
        assert float(r["params_learning_rate"]) in (1e-5, 0.03)


def test_search_finds_the_learning_rate_that_learns(study):
    """Known answer: in 3 epochs lr 0.03 learns the synthetic groove targets, lr 1e-5 barely moves."""
    table = rows(study)
    by_lr = {lr: [float(r["value"]) for r in table if float(r["params_learning_rate"]) == lr]
             for lr in (1e-5, 0.03)}  # fmt: skip
    assert by_lr[1e-5] and by_lr[0.03], "the seeded sampler tried both rates"
    assert max(by_lr[0.03]) < 0.8 * min(by_lr[1e-5])
    assert "learning_rate = 0.03" in (study / "best_config.toml").read_text()


def test_best_config_reproduces_the_best_trial_exactly(study, cli, tmp_path):
    table = rows(study)
    best = min((r for r in table if r["state"] == "COMPLETE"), key=lambda r: float(r["value"]))
    result = cli("train", "--config", study / "best_config.toml", "--output", tmp_path / "again",
                 "--quiet")  # fmt: skip
    assert result.code == 0, result.err
    assert history(tmp_path / "again")["best_val_loss"] == float(best["value"])
    assert (study / "best" / "groovepredictor.json").read_bytes() == (
        study / "trials" / best["number"] / "groovepredictor.json"
    ).read_bytes()


def test_same_command_continues_to_a_larger_total_with_the_same_trials(study, cli, tmp_path):
    """Continuing 2 -> 3 trials gives, trial for trial, what one 4-trial command gave: the sampler
    is seeded per trial, so its state survives the new process (here: the new command)."""
    space = write_space(tmp_path)
    out = tmp_path / "s"
    args = ["tune", *TUNE, *STUDY_ARGS, "--space", space, "--output", out]
    assert cli(*args, "--trials", "2").code == 0
    first = comparable(out)
    assert len(first) == 2
    result = cli(*args, "--trials", "3")
    assert result.code == 0, result.err
    assert comparable(out)[:2] == first  # finished trials are not rerun
    assert comparable(out) == comparable(study)[:3]
    assert sorted(p.name for p in (out / "trials").iterdir()) == ["0", "1", "2"]
    again = cli(*args, "--trials", "3")  # already has its trials: nothing new runs
    assert again.code == 0 and len(rows(out)) == 3


def test_refusals_are_one_line_exit_2_and_write_nothing(cli, tmp_path):
    bad_space = tmp_path / "bad.toml"
    bad_space.write_text("[learning_rate]\nlow = 0.1\nhigh = 0.01\n")
    unknown = tmp_path / "unknown.toml"
    unknown.write_text("[dropout]\nlow = 0.1\nhigh = 0.5\n")
    broken = tmp_path / "broken.toml"
    broken.write_text("[learning_rate\n")
    out = tmp_path / "out"
    cases = [
        (["--model", "nonesuch"], "--model"),
        (["--trials", "0"], "--trials"),
        (["--storage", "sqlite:////no/such/folder/x.db"], "--storage"),
        (["--storage", "nonsense"], "--storage"),
        (["--space", bad_space], "range is empty"),
        (["--space", unknown], "unknown parameter"),
        (["--space", broken], "not valid TOML"),
        (["--metric", "val_f1"], "--metric"),
        (["--pruner", "sometimes"], "--pruner"),
        (["--workers", "0"], "--workers"),
    ]
    for extra, needle in cases:
        args = ["tune", *TUNE, "--trials", "2", "--output", out, *extra]
        if "--model" in extra:
            args = ["tune", *TUNE[2:], "--trials", "2", "--output", out, *extra]
        result = cli(*args)
        assert result.code == 2, (extra, result.err)
        assert len(result.err_lines) == 1 and needle in result.err, (extra, result.err)
        assert "Traceback" not in result.err
        assert not out.exists(), extra


def test_a_folder_holding_another_study_is_refused(study, cli):
    before = sorted(p.name for p in study.rglob("*"))
    result = cli("tune", *TUNE, *STUDY_ARGS, "--trials", "6", "--output", study)
    assert result.code == 2 and "different study" in result.err  # the default space differs
    assert sorted(p.name for p in study.rglob("*")) == before


def test_a_raising_trial_fails_with_its_reason_and_the_study_goes_on(cli, tmp_path):
    # A learning rate above 10 is refused by training's own validation: that trial raises.
    space = write_space(
        tmp_path, "[learning_rate]\nchoices = [0.01, 50.0]\n[batch_size]\nchoices = [8]\n"
    )
    out = tmp_path / "s"
    result = cli("tune", *TUNE, "--trials", "2", "--epochs", "1", "--space", space,
                 "--pruner", "none", "--seed", "3", "--output", out)  # fmt: skip
    assert result.code == 0, result.err
    table = rows(out)
    failed = [r for r in table if r["state"] == "FAIL"]
    assert failed, "the seeded sampler drew the bad rate at least once"
    assert all("--learning-rate" in r["fail_reason"] for r in failed)
    assert all(float(r["params_learning_rate"]) == 50.0 for r in failed)
    assert sum(r["state"] == "COMPLETE" for r in table) == 2


def test_a_pruned_trial_is_an_ordinary_finished_run(study, cli, tmp_path):
    """Trial 4 (lr 1e-5 after four trials at 0.03) is pruned: its folder says so and keeps its
    best checkpoint but no export (pruning pays); `resume` writes the export without training on."""
    import shutil

    run = shutil.copytree(study / "trials" / "4", tmp_path / "4")
    h = history(run)
    assert h["status"] == "pruned" and "median pruner" in h["stop_reason"]
    assert h["stopped_epoch"] == len(h["epochs"]) < 3
    assert not (run / "groovepredictor.json").exists()
    assert (run / "checkpoints" / "groovepredictor_best.pt").is_file()
    before = (run / "checkpoints" / "groovepredictor_latest.pt").read_bytes()
    result = cli("resume", run, "--quiet")
    assert result.code == 0, result.err
    assert (run / "groovepredictor.json").is_file()
    assert (run / "checkpoints" / "groovepredictor_latest.pt").read_bytes() == before
    assert cli("resume", run, "--quiet").out.count("already finished (pruned") == 1


def test_tune_help_imports_no_torch_optuna_or_pandas():
    code = (
        "import sys\n"
        "from emotrain.cli import main\n"
        "for args in (['--help'], ['tune', '--help'], ['train', '--help']):\n"
        "    main(args)\n"
        "print(sorted(m for m in ('torch', 'optuna', 'pandas', 'matplotlib') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("[]")
    assert "--storage" in out.stdout and "--config" in out.stdout


def test_piped_output_is_one_plain_line_per_trial_and_json_is_parseable(tmp_path):
    space = write_space(tmp_path)
    out = tmp_path / "s"
    base = [sys.executable, "-m", "emotrain", "tune", *[a for a in TUNE if a != "--quiet"],
            "--epochs", "1", "--space", str(space), "--output", str(out)]  # fmt: skip
    proc = subprocess.run([*base, "--trials", "2"], capture_output=True, text=True, check=True)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("trial ")]
    assert [line.split()[:3] for line in lines] == [
        ["trial", "0", "complete"],
        ["trial", "1", "complete"],
    ]
    assert "\x1b[" not in proc.stdout  # no live-table escape codes in a pipe
    proc = subprocess.run(
        [*base, "--trials", "2", "--json"], capture_output=True, text=True, check=True
    )
    summary = json.loads(proc.stdout)
    assert summary["counts"]["complete"] == 2 and summary["best"]["number"] in (0, 1)
    assert [row["number"] for row in summary["trials"]] == [0, 1]


def test_the_default_pruner_halves_from_the_first_epoch(cli, tmp_path):
    """Known answer: with seed 2 trials 0-3 draw lr 0.03 and trial 4 draws 1e-5, which has not
    learned after one epoch: successive halving (the default) stops it there, after its first
    epoch (the median pruner waits out a warm-up epoch); with --pruner none it runs to the end."""
    space = write_space(tmp_path)
    common = [*TUNE, "--epochs", "3", "--seed", "2", "--trials", "5", "--space", space]
    result = cli("tune", *common, "--output", tmp_path / "halving")
    assert result.code == 0, result.err
    assert json.loads((tmp_path / "halving" / "study.json").read_text())["pruner"] == "halving"
    table = rows(tmp_path / "halving")
    assert table[4]["state"] == "PRUNED" and float(table[4]["params_learning_rate"]) == 1e-5
    h = history(tmp_path / "halving" / "trials" / "4")
    assert h["stopped_epoch"] == len(h["epochs"]) == 1 and "halving pruner" in h["stop_reason"]
    best = min((r for r in table if r["state"] == "COMPLETE"), key=lambda r: float(r["value"]))
    assert float(best["params_learning_rate"]) == 0.03
    assert cli("tune", *common, "--pruner", "none", "--output", tmp_path / "none").code == 0
    assert rows(tmp_path / "none")[4]["state"] == "COMPLETE"
