"""Every command of a study finishes it: writes the report, best/ and the best trial's export.
Commands on several machines sharing the study folder finish at the same moment."""

from __future__ import annotations

import threading

from tests.tuning.tune_helpers import TUNE, rows, write_space


def test_commands_finishing_one_study_at_once_take_turns_on_the_best_export(tmp_path):
    """CI saw a second host exit 1 here: both exported the best trial, and the run-folder lock
    refused the later one ("trials/0 is in use by another emotrain command")."""
    from emotrain.cli import main
    from emotrain.runs.paths import RunPaths
    from emotrain.tuning.study import open_storage
    from emotrain.tuning.tune import finish_study, load_spec

    out = tmp_path / "s"
    args = ["tune", *TUNE, "--epochs", "2", "--seed", "2", "--pruner", "none", "--trials", "2",
            "--space", str(write_space(tmp_path)), "--output", str(out)]  # fmt: skip
    assert main(args) == 0
    best = min((r for r in rows(out)), key=lambda r: float(r["value"]))["number"]
    export = RunPaths(out / "trials" / best).export("groovepredictor")
    shipped = (out / "best" / export.name).read_bytes()
    export.unlink()  # as each host finds it after its last trial: none is written yet
    (out / "best" / export.name).unlink()

    spec = load_spec(out)
    storage = open_storage(spec)
    start, errors = threading.Barrier(3), []

    def finish() -> None:
        start.wait()
        try:
            finish_study(spec, storage)
        except Exception as exc:  # whatever a host would exit with
            errors.append(f"{type(exc).__name__}: {exc}")

    hosts = [threading.Thread(target=finish) for _ in range(3)]
    for host in hosts:
        host.start()
    for host in hosts:
        host.join(timeout=120)
    assert errors == []
    assert (out / "best" / export.name).read_bytes() == shipped == export.read_bytes()
