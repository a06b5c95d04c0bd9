"""The PostgreSQL server the tests use: EMOTRAIN_TEST_POSTGRES_URL (what `.ci/run` exports), or a
throwaway cluster that `cluster.sh` starts for this test process. Each test gets a database of its
own, so tests under `pytest -n 2` never see each other's studies."""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

CLUSTER_SH = Path(__file__).with_name("cluster.sh")
URL_ENV = "EMOTRAIN_TEST_POSTGRES_URL"


@contextlib.contextmanager
def server() -> Iterator[str]:
    """A server URL (to its `postgres` database). Raises when none can be had: in CI, and for a
    developer, a PostgreSQL test that cannot run fails rather than skips."""
    url = os.environ.get(URL_ENV)
    if url:
        yield url
        return
    if os.environ.get("CI", "").lower() == "true":
        raise RuntimeError(f"CI=true but {URL_ENV} is not set: .ci/run starts the server")
    folder = tempfile.mkdtemp(prefix="emotrain-pg-")  # under /tmp: the server's user can enter it
    os.chmod(folder, 0o755)
    started = subprocess.run(
        ["bash", str(CLUSTER_SH), "start", folder], capture_output=True, text=True, timeout=180
    )
    if started.returncode != 0:
        raise RuntimeError(f"cannot start a PostgreSQL cluster: {started.stderr.strip()}")
    try:
        yield started.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run(["bash", str(CLUSTER_SH), "stop", folder], capture_output=True, timeout=60)


@contextlib.contextmanager
def fresh_database(url: str) -> Iterator[str]:
    """A new, empty database on the server; its URL. Dropped afterwards."""
    import sqlalchemy

    name = f"emotrain_test_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    try:
        yield str(sqlalchemy.engine.make_url(url).set(database=name).render_as_string(False))
    finally:
        with admin.connect() as conn:
            conn.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
