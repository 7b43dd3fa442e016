"""Create the database engine: SQLite in WAL mode with a busy timeout, or any SQLAlchemy URL (PostgreSQL).

SQLite details that make concurrent Streamlit sessions safe:

* ``journal_mode=WAL`` — readers never block the writer and the writer never blocks readers. Switching a new
  file to WAL answers "database is locked" at once, without the busy handler, while another process holds a lock
  on it (several processes starting on a fresh database), so the switch is retried until the busy timeout.
* ``busy_timeout`` — a writer waits (default 30 s) for another writer instead of failing "database is locked".
* Write transactions start with ``BEGIN IMMEDIATE`` (:func:`osteo_core.store.transactions.writing`), so a
  transaction takes the write lock before it reads; two writers can then never deadlock by upgrading read locks
  at the same time.
* Within one process (one Streamlit server, one thread per browser session) writers also queue on a lock,
  which is faster than SQLite's sleep-and-retry busy handler.
* A new SQLite file is created mode 0600 (owner only), like the credentials file; SQLite gives its ``-wal`` and
  ``-shm`` files the same mode.

Every database failure leaves this package as :class:`StoreError` with a plain message (busy, read-only, missing
folder, …) that never holds the SQL statement nor its parameters (patient facts): callers may show it or log it.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path

import sqlalchemy as sa

from osteo_core.config import database_url
from osteo_core.errors import StoreError
from osteo_core.i18n import _
from osteo_core.store.migrations import migrate
from osteo_core.store.transactions import is_immediate, plain_store_error, register_write_lock

BUSY_TIMEOUT_S = 30.0
_opened: dict[str, sa.Engine] = {}
_lock = threading.Lock()


def _private_sqlite_file(database: str) -> None:
    """Create the SQLite file mode 0600 before SQLite does (it would use 0644); tighten an existing one we own."""
    path = Path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        if path.stat().st_mode & 0o077 and path.stat().st_uid == os.getuid():
            os.chmod(path, 0o600)


def _switch_to_wal(cursor: sqlite3.Cursor, timeout_s: float) -> None:
    """``PRAGMA journal_mode=WAL``, retried (10 ms doubling to 200 ms) while another connection holds a lock, for at
    most ``timeout_s`` seconds. Raises the last :class:`sqlite3.OperationalError` after that, or any other at once."""
    deadline, delay = time.monotonic() + timeout_s, 0.01
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() + delay > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.2)


def create_store_engine(url: str, busy_timeout_s: float = BUSY_TIMEOUT_S) -> sa.Engine:
    """A new engine for ``url``; SQLite files get WAL, ``busy_timeout`` (seconds) and their folder created.

    Raises :class:`StoreError` when the URL is not a valid SQLAlchemy URL or its driver is missing.
    """
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise StoreError(_("OSTEO_DATABASE_URL is not a database URL. Got {value}.").format(value=repr(url))) from exc
    if parsed.get_backend_name() != "sqlite":
        try:
            return sa.create_engine(parsed, pool_pre_ping=True)
        except ImportError as exc:
            raise StoreError(_("the database driver for {driver} is not installed: {error}").format(
                driver=repr(parsed.drivername), error=exc)) from exc
    if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
        try:
            _private_sqlite_file(parsed.database)
        except OSError as exc:
            raise StoreError(_("cannot create the history database file: {error}").format(error=exc.strerror)) from None
    engine = sa.create_engine(
        parsed, connect_args={"check_same_thread": False, "timeout": busy_timeout_s}, pool_size=10, max_overflow=20,
    )

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # noqa: ANN001 (DB-API objects)
        dbapi_connection.isolation_level = None  # SQLAlchemy, not the driver, emits BEGIN (see _on_begin)
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
        _switch_to_wal(cursor, busy_timeout_s)
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL: a crash loses at most the last commits
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if is_immediate(connection) else "BEGIN")

    register_write_lock(engine)
    return engine


def open_store(url: str | None = None) -> sa.Engine:
    """The shared engine for ``url`` (default ``OSTEO_DATABASE_URL``), migrated to the latest schema once.

    Raises :class:`StoreError` when the database cannot be opened or migrated.
    """
    url = url or database_url()
    with _lock:
        engine = _opened.get(url)
        if engine is None:
            engine = create_store_engine(url)
            try:
                migrate(engine)
            except (sa.exc.SQLAlchemyError, StoreError) as exc:
                engine.dispose()
                raise StoreError(_("cannot open the history database: {error}").format(
                    error=plain_store_error(exc))) from None
            _opened[url] = engine
    return engine


def close_all() -> None:
    """Dispose every engine opened by :func:`open_store` (tests switch databases between runs)."""
    with _lock:
        for engine in _opened.values():
            engine.dispose()
        _opened.clear()
