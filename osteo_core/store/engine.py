"""Create the database engine: SQLite in WAL mode with a busy timeout, or any SQLAlchemy URL (PostgreSQL).

SQLite details that make concurrent Streamlit sessions safe:

* ``journal_mode=WAL`` — readers never block the writer and the writer never blocks readers.
* ``busy_timeout`` — a writer waits (default 30 s) for another writer instead of failing "database is locked".
* Write transactions start with ``BEGIN IMMEDIATE`` (see :func:`writing`), so a transaction takes the write
  lock before it reads; two writers can then never deadlock by upgrading read locks at the same time.
* Within one process (one Streamlit server, one thread per browser session) writers also queue on a lock,
  which is faster than SQLite's sleep-and-retry busy handler.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import sqlalchemy as sa

from osteo_core.config import database_url
from osteo_core.errors import OsteoError

BUSY_TIMEOUT_S = 30.0
_IMMEDIATE = "osteo_immediate"
_opened: dict[str, sa.Engine] = {}
_lock = threading.Lock()
_write_locks: weakref.WeakKeyDictionary[sa.Engine, threading.Lock] = weakref.WeakKeyDictionary()


class StoreError(OsteoError, RuntimeError):
    """The history database cannot be opened, migrated or written."""


def create_store_engine(url: str, busy_timeout_s: float = BUSY_TIMEOUT_S) -> sa.Engine:
    """A new engine for ``url``; SQLite files get WAL, ``busy_timeout`` (seconds) and their folder created.

    Raises :class:`StoreError` when the URL is not a valid SQLAlchemy URL or its driver is missing.
    """
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise StoreError(f"OSTEO_DATABASE_URL is not a database URL. Got {url!r}.") from exc
    if parsed.get_backend_name() != "sqlite":
        try:
            return sa.create_engine(parsed, pool_pre_ping=True)
        except ImportError as exc:
            raise StoreError(f"the database driver for {parsed.drivername!r} is not installed: {exc}") from exc
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(
        parsed, connect_args={"check_same_thread": False, "timeout": busy_timeout_s}, pool_size=10, max_overflow=20,
    )

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # noqa: ANN001 (DB-API objects)
        dbapi_connection.isolation_level = None  # SQLAlchemy, not the driver, emits BEGIN (see _on_begin)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL: a crash loses at most the last commits
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        immediate = connection.get_execution_options().get(_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    _write_locks[engine] = threading.Lock()
    return engine


@contextmanager
def writing(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A write transaction (``BEGIN IMMEDIATE`` on SQLite): commits on success, rolls back on error."""
    lock = _write_locks.get(engine)
    with lock if lock is not None else nullcontext(), engine.connect() as connection:
        connection.execution_options(**{_IMMEDIATE: True})
        with connection.begin():
            yield connection


def open_store(url: str | None = None) -> sa.Engine:
    """The shared engine for ``url`` (default ``OSTEO_DATABASE_URL``), migrated to the latest schema once.

    Raises :class:`StoreError` when the database cannot be opened or migrated.
    """
    from osteo_core.store.migrations import migrate

    url = url or database_url()
    with _lock:
        engine = _opened.get(url)
        if engine is None:
            engine = create_store_engine(url)
            try:
                migrate(engine)
            except sa.exc.SQLAlchemyError as exc:
                engine.dispose()
                raise StoreError(f"cannot open the history database {url!r}: {exc}") from exc
            _opened[url] = engine
    return engine


def close_all() -> None:
    """Dispose every engine opened by :func:`open_store` (tests switch databases between runs)."""
    with _lock:
        for engine in _opened.values():
            engine.dispose()
        _opened.clear()
