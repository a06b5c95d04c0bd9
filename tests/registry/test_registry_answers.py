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
