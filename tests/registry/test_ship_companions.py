"""`registry ship` ships what export-rtneural writes beside each JSON: <name>.h and
<name>.golden/, listed in the lock with their SHA-256 and checked by `registry verify`."""

from __future__ import annotations

import json

from emotrain.export.companions import companion_files
from emotrain.io import sha256_file
from tests.registry.conftest import export_file
from tests.registry.test_registry_ship import _add_and_promote


def test_ship_writes_and_locks_the_cpp_companions(cli, registry, tmp_path):
    _add_and_promote(cli, registry, export_file(tmp_path / "g.json", "groove"))
    plugin = tmp_path / "models"
    (plugin / "groovepredictor.golden").mkdir(parents=True)
    (plugin / "groovepredictor.golden" / "my-notes.txt").write_text("mine")
    assert cli("registry", "ship", "--to", plugin, "-m", "groove", "--registry", registry).code == 0
    lock = json.loads((plugin / "models.lock.json").read_text())
    listed = lock["models"]["groovepredictor"]["companions"]
    assert sorted(listed) == ["groovepredictor.golden/golden.json",
                              "groovepredictor.golden/input.csv",
                              "groovepredictor.golden/output.csv", "groovepredictor.h"]  # fmt: skip
    export = companion_files((plugin / "groovepredictor.json").read_bytes(), "groovepredictor")
    for rel, sha in listed.items():
        assert sha256_file(plugin / rel) == sha
        assert (plugin / rel).read_bytes() == export[rel]  # the very bytes export writes
    assert (plugin / "groovepredictor.golden" / "my-notes.txt").read_text() == "mine"
    assert cli("registry", "verify", plugin).code == 0

    (plugin / "groovepredictor.golden" / "output.csv").write_text("0\n")
    bad = cli("registry", "verify", plugin)
    assert bad.code == 1 and "groovepredictor.golden/output.csv" in bad.out
    (plugin / "groovepredictor.h").unlink()
    worse = cli("registry", "verify", plugin)
    assert "groovepredictor.h: missing" in worse.out


def test_a_users_own_header_is_not_replaced_silently(cli, registry, tmp_path):
    _add_and_promote(cli, registry, export_file(tmp_path / "g.json", "groove"))
    plugin = tmp_path / "models"
    plugin.mkdir()
    (plugin / "groovepredictor.h").write_text("// my hand-written type\n")
    r = cli("registry", "ship", "--to", plugin, "-m", "groove", "--registry", registry)
    assert r.code == 1 and "groovepredictor.h" in r.err and len(r.err_lines) == 1
    assert (plugin / "groovepredictor.h").read_text() == "// my hand-written type\n"
