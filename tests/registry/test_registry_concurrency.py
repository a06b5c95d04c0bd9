"""Several processes adding and promoting at once lose nothing and corrupt nothing."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

from emotrain.registry.store import Registry

WORKERS, EACH = 4, 8


def _work(root: str, worker: int) -> None:
    with Registry(root) as reg:
        for i in range(EACH):
            data = f'{{"worker": {worker}, "i": {i}}}'.encode()
            version, added = reg.add("groovepredictor", data, {"source": {"worker": worker}})
            assert added
            reg.add("groovepredictor", data, {})  # the same bytes again: deduplicated
            reg.promote(version.ref, "shipped", reason=f"w{worker}")


def test_parallel_adds_and_promotes(tmp_path: Path):
    root = tmp_path / "reg"
    Registry(root).close()
    ctx = multiprocessing.get_context("fork")  # the store needs no torch: forks start at once
    procs = [ctx.Process(target=_work, args=(str(root), w)) for w in range(WORKERS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0] * WORKERS
    with Registry(root, create=False) as reg:
        versions = reg.versions("groovepredictor")
        assert [v.number for v in versions] == list(range(1, WORKERS * EACH + 1))
        assert len({v.sha256 for v in versions}) == WORKERS * EACH
        for v in versions:
            reg.read_object(v)  # every object file is there and intact
        history = reg.history("groovepredictor")
        assert len(history) == WORKERS * EACH
        # The history is a chain: each move starts where the previous one ended.
        assert [h.from_number for h in history[1:]] == [h.to_number for h in history[:-1]]
        assert reg.holder("groovepredictor", "shipped").number == history[-1].to_number
    check = sqlite3.connect(root / "registry.db").execute("PRAGMA integrity_check").fetchone()
    assert check == ("ok",)
