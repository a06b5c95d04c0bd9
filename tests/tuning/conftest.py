"""One shared study: a 4-trial search on the default journal storage, read by several tests."""

from __future__ import annotations

import pytest

from tests.tuning.tune_helpers import TUNE, write_space


@pytest.fixture(scope="session")
def study(tmp_path_factory):
    from emotrain.cli import main

    root = tmp_path_factory.mktemp("study")
    space = write_space(root)
    out = root / "s"
    code = main(["tune", *TUNE, "--trials", "4", "--epochs", "3", "--space", str(space),
                 "--pruner", "none", "--output", str(out)])  # fmt: skip
    assert code == 0
    return out
