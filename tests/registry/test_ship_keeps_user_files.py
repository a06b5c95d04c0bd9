"""`registry ship` never deletes what it did not ship: a plugin folder holding the user's own
files keeps them, or the ship is refused naming them."""

from __future__ import annotations

import json
from pathlib import Path

from tests.registry.conftest import export_file
from tests.registry.test_registry_ship import _add_and_promote


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}  # fmt: skip


def _plugin(tmp_path: Path) -> Path:
    plugin = tmp_path / "plugin" / "models"
    plugin.mkdir(parents=True)
    (plugin / "notes.txt").write_text("mine")
    (plugin / "presets").mkdir()
    (plugin / "presets" / "a.preset").write_text("preset")
    (plugin / "emotionrecognizer.json").write_text('{"hand": "trained by me"}')
    return plugin


def test_unlisted_model_files_not_shipped_stay_in_place(cli, registry, tmp_path):
    _add_and_promote(cli, registry, export_file(tmp_path / "g.json", "groove"))
    plugin = _plugin(tmp_path)
    before = _snapshot(plugin)
    r = cli("registry", "ship", "--to", plugin, "-m", "groove", "--registry", registry)
    assert r.code == 0, r.err
    after = _snapshot(plugin)
    for name in ("notes.txt", "emotionrecognizer.json"):
        assert after[name] == before[name]
    assert (plugin / "presets" / "a.preset").read_text() == "preset"
    lock = json.loads((plugin / "models.lock.json").read_text())
    assert list(lock["models"]) == ["groovepredictor"]


def test_an_unlisted_file_the_ship_would_replace_is_refused_by_name(cli, registry, tmp_path):
    _add_and_promote(cli, registry, export_file(tmp_path / "e.json", "emotion"))
    plugin = _plugin(tmp_path)
    before = _snapshot(plugin)
    r = cli("registry", "ship", "--to", plugin, "-m", "emotion", "--registry", registry)
    assert r.code == 1 and len(r.err_lines) == 1
    assert "emotionrecognizer.json" in r.err and "--replace-unlisted" in r.err
    assert _snapshot(plugin) == before
    r = cli("registry", "ship", "--to", plugin, "-m", "emotion", "--registry", registry,
            "--replace-unlisted")  # fmt: skip
    assert r.code == 0, r.err
    assert (plugin / "notes.txt").read_text() == "mine"
    assert "trained by me" not in (plugin / "emotionrecognizer.json").read_text()
    # shipped once, the file is listed: the next ship replaces it without asking
    _add_and_promote(cli, registry, export_file(tmp_path / "e2.json", "emotion", seed=3))
    assert (
        cli("registry", "ship", "--to", plugin, "-m", "emotion", "--registry", registry).code == 0
    )


def test_a_mount_point_is_refused_with_what_to_do(cli, registry, tmp_path, monkeypatch):
    import os

    _add_and_promote(cli, registry, export_file(tmp_path / "g.json", "groove"))
    plugin = _plugin(tmp_path)
    real = os.path.ismount
    monkeypatch.setattr(os.path, "ismount", lambda p: Path(p) == plugin or real(p))
    r = cli("registry", "ship", "--to", plugin, "-m", "groove", "--registry", registry)
    assert r.code == 2 and len(r.err_lines) == 1
    assert "mount point" in r.err and f"--to {plugin / 'models'}" in r.err
    assert "Device or resource busy" not in r.err
