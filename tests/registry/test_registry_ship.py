"""`registry ship` and `registry verify`: a locked set, replaced whole or not at all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from emotrain.io import sha256_file
from tests.registry.conftest import export_file


def _add_and_promote(cli, registry: Path, path: Path, alias: str = "shipped") -> str:
    added = cli("registry", "add", path, "--registry", registry, "--json")
    assert added.code == 0, added.err
    ref = json.loads(added.out)[0]["version"]
    assert cli("registry", "promote", ref, "--alias", alias, "--registry", registry).code == 0
    return ref


def _snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of the set, the C++ companions in <name>.golden/ included."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_ship_writes_a_locked_set_and_verify_checks_it(cli, registry, tmp_path):
    groove = _add_and_promote(cli, registry, export_file(tmp_path / "a.json", "groove"))
    dyn = _add_and_promote(cli, registry, export_file(tmp_path / "b.json", "dynamics"))
    plugin = tmp_path / "plugin" / "models"
    plugin.mkdir(parents=True)
    (plugin / "README.txt").write_text("the plugin's own file")

    missing = cli("registry", "ship", "--to", plugin, "--registry", registry)
    assert missing.code == 1 and "emotionrecognizer" in missing.err  # all five by default
    assert sorted(p.name for p in plugin.iterdir()) == ["README.txt"]

    result = cli("registry", "ship", "--to", plugin, "--model", "groove,dynamics",
                 "--registry", registry)  # fmt: skip
    assert result.code == 0, result.err
    lock = json.loads((plugin / "models.lock.json").read_text())
    assert {n: e["version"] for n, e in lock["models"].items()} == {
        "dynamicsengine": dyn, "groovepredictor": groove,
    }  # fmt: skip
    for name, entry in lock["models"].items():
        assert sha256_file(plugin / f"{name}.json") == entry["sha256"]
        assert "feature_recipe" in entry
    assert (plugin / "README.txt").read_text() == "the plugin's own file"
    assert not list(plugin.parent.glob(".models.*"))  # no temp folders left

    ok = cli("registry", "verify", plugin)
    assert ok.code == 0 and "all 2 file(s) match" in ok.out

    doc = json.loads((plugin / "groovepredictor.json").read_text())
    doc["layers"][0]["weights"][1][0] = 0.25
    (plugin / "groovepredictor.json").write_text(json.dumps(doc))
    bad = cli("registry", "verify", plugin)
    assert bad.code == 1 and "MISMATCH: groovepredictor.json" in bad.out
    assert "1 mismatch" in bad.err
    (plugin / "dynamicsengine.json").unlink()
    (plugin / "harmonypredictor.json").write_text("{}")
    worse = cli("registry", "verify", plugin)
    assert worse.code == 1 and "dynamicsengine.json: missing" in worse.out
    assert "harmonypredictor.json: present but not in the lock" in worse.out


def test_interrupted_ship_leaves_the_old_set_whole(cli, registry, tmp_path, monkeypatch):
    from emotrain.registry import ship

    _add_and_promote(cli, registry, export_file(tmp_path / "a.json", "groove"))
    _add_and_promote(cli, registry, export_file(tmp_path / "b.json", "dynamics"))
    plugin = tmp_path / "models"
    assert cli("registry", "ship", "--to", plugin, "--model", "groove,dynamics",
               "--registry", registry).code == 0  # fmt: skip
    before = _snapshot(plugin)

    _add_and_promote(cli, registry, export_file(tmp_path / "c.json", "groove", seed=3))
    _add_and_promote(cli, registry, export_file(tmp_path / "d.json", "dynamics", seed=3))
    written = []
    real = ship._write_member

    def dies_after_one(path, data):
        if written:
            raise OSError(28, "No space left on device", str(path))
        written.append(path)
        real(path, data)

    monkeypatch.setattr(ship, "_write_member", dies_after_one)
    result = cli("registry", "ship", "--to", plugin, "--model", "groove,dynamics",
                 "--registry", registry)  # fmt: skip
    assert result.code == 1 and "No space left" in result.err
    assert len(written) == 1  # it was interrupted between the two files
    assert _snapshot(plugin) == before
    assert not list(tmp_path.glob(".models.*"))
    assert cli("registry", "verify", plugin).code == 0

    monkeypatch.setattr(ship, "_write_member", real)
    assert cli("registry", "ship", "--to", plugin, "--model", "groove,dynamics",
               "--registry", registry).code == 0  # fmt: skip
    assert _snapshot(plugin) != before and cli("registry", "verify", plugin).code == 0


def test_interrupted_between_the_two_renames_is_put_right(cli, registry, tmp_path, monkeypatch):
    """Without RENAME_EXCHANGE the swap is two renames; a ship killed between them leaves the
    old set moved aside, and the next ship moves it back before doing anything."""
    from emotrain.registry import ship, swap

    _add_and_promote(cli, registry, export_file(tmp_path / "a.json", "groove"))
    plugin = tmp_path / "models"
    assert cli("registry", "ship", "--to", plugin, "-m", "groove", "--registry", registry).code == 0
    before = _snapshot(plugin)
    monkeypatch.setattr(swap, "_exchange", lambda a, b: False)
    renames = []
    real_rename = swap.os.rename

    def killed_at_second(src, dst):
        renames.append(src)
        if len(renames) == 2:
            raise KeyboardInterrupt
        real_rename(src, dst)

    monkeypatch.setattr(swap.os, "rename", killed_at_second)
    _add_and_promote(cli, registry, export_file(tmp_path / "b.json", "groove", seed=4))
    assert cli("registry", "ship", "--to", plugin, "-m", "groove", "--registry", registry).code
    assert not plugin.exists() and list(tmp_path.glob(".models.old-*"))
    monkeypatch.setattr(swap.os, "rename", real_rename)
    ship.recover(plugin)
    assert _snapshot(plugin) == before


def test_refuses_a_set_whose_feature_recipes_disagree(cli, registry, tmp_path):
    _add_and_promote(cli, registry, export_file(tmp_path / "h.json", "harmony"))
    _add_and_promote(
        cli, registry, export_file(tmp_path / "g.json", "groove", feature_recipe="64 mel bands")
    )
    result = cli("registry", "ship", "--to", tmp_path / "m", "-m", "harmony,groove",
                 "--registry", registry)  # fmt: skip
    assert result.code == 1 and "feature recipes disagree" in result.err
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize("what", ["lock", "nothing"])
def test_verify_without_a_usable_lock(cli, tmp_path, what):
    folder = tmp_path / "m"
    folder.mkdir()
    if what == "lock":
        (folder / "models.lock.json").write_text("{not json")
    result = cli("registry", "verify", folder)
    assert result.code == 1 and "MISMATCH" in result.out


def test_ship_through_a_symlinked_models_folder(cli, registry, tmp_path):
    _add_and_promote(cli, registry, export_file(tmp_path / "a.json", "groove"))
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    assert cli("registry", "ship", "--to", link, "-m", "groove", "--registry", registry).code == 0
    assert link.is_symlink() and (real / "groovepredictor.json").is_file()
    assert cli("registry", "verify", link).code == 0


def test_a_refused_ship_into_new_folders_leaves_none_behind(cli, registry, tmp_path):
    """`--to a/b/models` refused (no holder of the alias for most networks): a/ is not created."""
    _add_and_promote(cli, registry, export_file(tmp_path / "g.json", "groove"))
    target = tmp_path / "a" / "b" / "models"
    refused = cli("registry", "ship", "--to", target, "--registry", registry)
    assert refused.code == 1 and "emotionrecognizer" in refused.err
    assert not (tmp_path / "a").exists()
    shipped = cli("registry", "ship", "--to", target, "--model", "groove", "--registry", registry)
    assert shipped.code == 0, shipped.err
    assert sorted(p.name for p in target.iterdir()) == [
        "groovepredictor.golden",  # the C++ side's files beside the JSON (export/companions.py)
        "groovepredictor.h",
        "groovepredictor.json",
        "models.lock.json",
    ]
