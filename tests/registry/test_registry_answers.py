"""What `registry` says to a person: unknown aliases, versions of different networks, readable
`show` and `diff`, tables that fit 80 columns."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.registry.conftest import export_file


@pytest.fixture(scope="module")
def reg(tiny_run, tmp_path_factory) -> Path:
    """groove@1 (from the tiny run, aliased staging then shipped), melody@1, groove@2 (an export)."""
    from emotrain.cli import main

    root = tmp_path_factory.mktemp("answers")
    reg = root / "reg"
    run = root / "a-run-folder-with-a-long-name-as-people-give-them" / "run"
    shutil.copytree(tiny_run, run)
    assert main(["registry", "add", str(run), "--registry", str(reg)]) == 0
    other = export_file(root / "x" / "groovepredictor.json", seed=5)
    assert main(["registry", "add", str(other), "--registry", str(reg)]) == 0
    for alias in ("staging", "shipped"):
        assert main(["registry", "promote", "groove@1", "--alias", alias, "--registry",
                     str(reg), "--reason", "a reason a person wrote"]) == 0  # fmt: skip
    return reg


def test_history_of_an_unknown_alias_is_an_error_naming_the_known_ones(cli, reg):
    r = cli("registry", "history", "groove", "--alias", "nope", "--registry", reg)
    assert r.code == 2 and len(r.err_lines) == 1
    assert "nope" in r.err and "shipped" in r.err and "staging" in r.err
    r = cli("registry", "history", "melody", "--alias", "shipped", "--registry", reg)
    assert r.code == 2 and "no aliases" in r.err
    assert cli("registry", "history", "groove", "--alias", "staging", "--registry", reg).code == 0


def test_diff_of_two_networks_is_refused_like_compare(cli, reg):
    r = cli("registry", "diff", "groove@1", "melody@1", "--registry", reg)
    assert r.code == 2 and len(r.err_lines) == 1
    assert "groovepredictor" in r.err and "melodytransformer" in r.err and "same network" in r.err


@pytest.mark.parametrize("command", ["promote groove@2", "ship --to {tmp}/plugin"])
def test_an_upper_case_alias_is_refused_not_folded(cli, reg, tmp_path, command):
    args = command.format(tmp=tmp_path).split()
    r = cli("registry", *args, "--alias", "Shipped", "--registry", reg)
    assert r.code == 2 and len(r.err_lines) == 1
    assert "'Shipped'" in r.err and "'shipped'" in r.err
    assert not (tmp_path / "plugin").exists()


def _no_python_internals(text: str) -> None:
    assert "None" not in text and "{" not in text and "'" not in text, text
    long_floats = re.findall(r"\d+\.\d{7,}", text)
    assert not long_floats, long_floats


def _render(renderable, width: int) -> list[str]:
    import io

    from rich.console import Console

    console = Console(record=True, width=width, file=io.StringIO())
    console.print(renderable)
    return console.export_text().splitlines()


@pytest.mark.parametrize("width", [80, 120])
def test_list_history_and_show_fit_with_versions_whole(reg, width):
    from emotrain.cli.registry_views import headline, history_table, list_table, show_table
    from emotrain.registry.store import Registry

    with Registry(reg, create=False) as r:
        versions = r.versions()
        changes = [c.to_dict() for c in r.history("groovepredictor")]
        shown = r.get("groove@1")
    lines = _render(list_table(versions, width), width)
    assert all(len(line) <= width for line in lines)
    text = "\n".join(lines)
    for v in versions:  # each version, its aliases and its metric name whole on one line
        row = next(ln for ln in lines if f" {v.ref} " in ln)  # the first table's row
        assert all(a in row for a in v.aliases) and headline(v) in row
    assert "…" not in text
    assert "created" in text and "sha256" in text and "source" in text  # none is dropped
    lines = _render(history_table("groovepredictor", changes, width), width)
    assert all(len(line) <= width for line in lines) and "…" not in "\n".join(lines)
    assert sum(" shipped " in ln and " @1 " in ln for ln in lines) == 1
    lines = _render(show_table(shown), width)
    assert all(len(line.rstrip()) <= width for line in lines)
    assert any(shown.sha256 in line for line in lines)  # the full SHA-256, on one line


def test_show_and_diff_speak_words_and_rounded_numbers(cli, reg):
    r = cli("registry", "show", "groove@1", "--registry", reg)
    assert r.code == 0
    _no_python_internals(r.out)
    assert "validation" in r.out and "mae 0." in r.out
    r = cli("registry", "diff", "groove@1", "groove@2", "--registry", reg)
    assert r.code == 0
    _no_python_internals(r.out)
    full = cli("registry", "show", "groove@1", "--registry", reg, "--json")
    assert re.search(r'"mae": \d\.\d{8,}', full.out)  # JSON keeps full precision
