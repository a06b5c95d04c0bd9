"""`emotrain tune` on a real PostgreSQL server: a missing driver and an unreachable server; two
hosts' workers started at once on a fresh database, one killed and one cut off from the database,
their trials retried through Optuna's heartbeat and continued from their checkpoints."""

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


def _worker(args: list, host: str, env: dict, fault: str | None = None) -> subprocess.Popen:
    kill = Path(__file__).with_name("kill_tune.py")
    prefix = [str(kill), fault, "0", "4", "--"] if fault else ["-m", "emotrain"]
    return subprocess.Popen([sys.executable, *prefix, *map(str, args)], cwd=ROOT,
                            env={**env, "EMOTRAIN_HOST": host}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip


def test_two_hosts_survive_a_killed_worker_and_a_dropped_connection(pg_url, tmp_path):
    """Hosts a and b, two workers each, started at the same moment on a fresh database (one
    creates the schema and the study, the others join), one shared study folder. Worker a1 is
    SIGKILLed in its first trial's last epoch; worker b1 reaches the database through a proxy that
    cuts it off for longer than the grace period in its first trial's last epoch. Optuna's
    heartbeat fails both trials, its retry callback queues them, and other workers continue them
    from their latest.pt."""
    import os
    import time

    from sqlalchemy.engine import make_url

    from tests.pg.proxy import DropProxy

    beat, grace, trials = 1, 4, 6
    env = dict(os.environ, EMOTRAIN_TUNE_HEARTBEAT_S=str(beat), EMOTRAIN_TUNE_GRACE_S=str(grace))
    direct = make_url(pg_url)
    proxy = DropProxy((direct.host, direct.port))
    via_proxy = direct.set(port=proxy.port).render_as_string(False)
    space = write_space(tmp_path)
    study = tmp_path / "study"  # shared by both hosts (a network file system in real life)

    def args(url: str) -> list:
        return ["tune", *TUNE, "--samples", "64", "--epochs", "4", "--pruner", "none", "--space",
                space, "--trials", trials, "--storage", url, "--study-name", "hosts",
                "--output", study]  # fmt: skip

    started = time.monotonic()
    gate = tmp_path / "gate"
    a1 = _worker(args(pg_url), "a", env, fault="KILL")
    a2, b2 = _worker(args(pg_url), "a", env), _worker(args(pg_url), "b", env)
    # b1 stops in its first trial's last epoch until the proxy has cut it off
    b1 = _worker(args(via_proxy), "b", {**env, "EMOTRAIN_TEST_GATE": str(gate)}, fault="PAUSE")
    dropped = None
    try:
        while b1.poll() is None and not Path(f"{gate}.reached").exists():
            time.sleep(0.05)
        mine = [t for t in pg_trials(pg_url, "hosts")
                if t.state.name == "RUNNING" and t.user_attrs.get("worker") == f"b:{b1.pid}"]  # fmt: skip
        dropped = mine[0].number if mine else None
        proxy.drop()
        Path(f"{gate}.go").touch()  # b1 finishes the epoch, cannot report it, keeps trying
        time.sleep(grace + 3)
        proxy.restore()
        outs = {name: p.communicate(timeout=300) for name, p in
                (("a1", a1), ("a2", a2), ("b1", b1), ("b2", b2))}  # fmt: skip
    finally:
        proxy.close()
        for p in (a1, a2, b1, b2):
            if p.poll() is None:
                p.kill()
    wall = time.monotonic() - started
    assert a1.returncode == -9, outs["a1"][1]
    codes = {name: p.returncode for name, p in (("a2", a2), ("b1", b1), ("b2", b2))}
    failed = "\n".join(f"--- {n} exit {c}:\n{outs[n][1][-2000:]}" for n, c in codes.items() if c)
    assert list(codes.values()) == [0, 0, 0], failed
    assert dropped is not None, outs["b1"][1]
    assert f"note: trial {dropped}" in outs["b1"][1]

    again = subprocess.run([sys.executable, "-m", "emotrain", *map(str, args(pg_url))], cwd=ROOT,
                           env={**env, "EMOTRAIN_HOST": "a"}, capture_output=True, text=True)  # fmt: skip
    assert again.returncode == 0, again.stderr

    done = pg_trials(pg_url, "hosts")
    states = [t.state.name for t in done]
    assert (
        states.count("COMPLETE") == trials and "RUNNING" not in states and "WAITING" not in states
    )
    failed = [t for t in done if t.state.name == "FAIL"]
    retries = {
        t.user_attrs["emotrain_retry_of"]: t for t in done if "emotrain_retry_of" in t.user_attrs
    }
    killed = next(t.number for t in failed if t.user_attrs.get("worker") == f"a:{a1.pid}")
    # only the two trials whose workers were away failed; nobody else's trial did
    assert sorted(t.number for t in failed) == sorted([killed, dropped]) == sorted(retries)
    numbers = [t.number for t in done]
    assert len(set(numbers)) == len(numbers)
    folders = sorted(int(p.name) for p in (study / "trials").iterdir())
    assert folders == sorted(numbers)  # one folder per trial number, none shared
    for t in (retries[killed], retries[dropped]):
        assert (
            t.state.name == "COMPLETE"
            and t.params == done[t.user_attrs["emotrain_retry_of"]].params
        )
    # the killed trial's epochs were continued, not trained again: their rows, wall times and all
    import torch

    for gone in (killed, dropped):
        ckpt = study / "trials" / str(gone) / "checkpoints" / "groovepredictor_latest.pt"
        old = torch.load(ckpt, weights_only=True)
        new = _history(study, retries[gone].number)
        assert old["status"] == "running" and old["epoch"] >= 1
        assert new["epochs"][: old["epoch"]] == old["metrics"]["epochs"]
        assert len(new["epochs"]) == 4
    table = {int(r["number"]): r for r in rows(study)}
    assert table[retries[killed].number]["retry_of"] == str(killed)
    print(f"multi-host: {trials} trials, 1 kill, 1 drop "
          f"({grace + 3} s), 2 retries, {wall:.1f} s")  # fmt: skip


def _history(study: Path, number: int) -> dict:
    import json

    return json.loads(
        (study / "trials" / str(number) / "history" / "groovepredictor_history.json").read_text()
    )
