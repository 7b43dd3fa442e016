"""A fresh history database per test, on SQLite (a temp file) and on PostgreSQL (a throwaway cluster).

Every test that takes ``db_url`` or ``engine`` runs twice: ``[sqlite]`` and ``[postgresql]``. The PostgreSQL
run skips with the reason when the server or the ``psycopg`` driver is missing (see tests/store/postgres.py).
"""

from __future__ import annotations

import pytest

from osteo_core.store import open_store
from tests.store.postgres import PostgresUnavailableError, fresh_database, throwaway_cluster


@pytest.fixture(scope="session")
def postgres_admin_url():
    """Admin URL of a throwaway PostgreSQL cluster for the whole test session (skips when unavailable)."""
    try:
        with throwaway_cluster() as url:
            yield url
    except PostgresUnavailableError as exc:
        pytest.skip(f"PostgreSQL tests skipped: {exc}")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'history.db'}"
        return
    with fresh_database(request.getfixturevalue("postgres_admin_url")) as url:
        yield url


@pytest.fixture
def engine(db_url):
    return open_store(db_url)
