"""One shared study on the default journal storage, read by several tests: with seed 2 the sampler
draws lr 0.03 for trials 0-3 and 1e-5 for trial 4, which the median pruner must then stop."""

from __future__ import annotations

import pytest

from tests.tuning.tune_helpers import STUDY_ARGS, TUNE, write_space


@pytest.fixture(scope="session")
def study(tmp_path_factory):
    from emotrain.cli import main

    root = tmp_path_factory.mktemp("study")
    space = write_space(root)
    out = root / "s"
    code = main(["tune", *TUNE, *STUDY_ARGS, "--trials", "5", "--space", str(space),
                 "--output", str(out)])  # fmt: skip
    assert code == 0
    return out


@pytest.fixture(scope="session")
def pg_server():
    from tests.pg.server import server

    with server() as url:
        yield url


@pytest.fixture
def pg_url(pg_server):
    """A fresh database of its own on the test server (see tests/pg/server.py)."""
    from tests.pg.server import fresh_database

    with fresh_database(pg_server) as url:
        yield url
