"""Transactions on a store engine: :func:`writing` (``BEGIN IMMEDIATE`` on SQLite, one writer per process at a time)
and :func:`reading`, both turning any database error into a plain :class:`~osteo_core.errors.StoreError`.

The engine module registers each SQLite engine's write lock here (:func:`register_write_lock`) and asks
:func:`is_immediate` in its ``begin`` hook; the migrations use these helpers too, so neither imports the other.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

import sqlalchemy as sa

from osteo_core.errors import StoreError
from osteo_core.i18n import N_, _

_IMMEDIATE = "osteo_immediate"
_write_locks: weakref.WeakKeyDictionary[sa.Engine, threading.Lock] = weakref.WeakKeyDictionary()

_PLAIN_MESSAGES = (  # (text in the driver's message, what the user is told: translated when raised)
    ("locked", N_("the history database is busy (locked by another writer); try again in a moment")),
    ("busy", N_("the history database is busy (locked by another writer); try again in a moment")),
    ("readonly", N_("the history database is read-only, so nothing can be saved; ask the administrator")),
    ("read-only", N_("the history database is read-only, so nothing can be saved; ask the administrator")),
    ("unable to open", N_("the history database file or its folder is missing or not accessible")),
    ("disk i/o", N_("the history database could not be written (disk error or disk full)")),
    ("database or disk is full", N_("the history database could not be written (disk full)")),
    ("connection", N_("the history database server cannot be reached")),
    ("no such table", N_("the history database has an unexpected layout; restart the app to migrate it")),
)


def plain_store_error(exc: BaseException) -> StoreError:
    """A :class:`StoreError` saying what went wrong in plain words (current language), without the statement or
    its parameters."""
    if isinstance(exc, StoreError):
        return exc
    text = str(getattr(exc, "orig", None) or "").lower() or type(exc).__name__.lower()
    for needle, message in _PLAIN_MESSAGES:
        if needle in text:
            return StoreError(_(message))
    return StoreError(_("the history database refused the operation ({error})").format(error=type(exc).__name__))


@contextmanager
def store_errors() -> Iterator[None]:
    """Turn any SQLAlchemy error raised inside into a plain :class:`StoreError` (no parameters, no chained cause)."""
    try:
        yield
    except sa.exc.SQLAlchemyError as exc:
        raise plain_store_error(exc) from None


def register_write_lock(engine: sa.Engine) -> None:
    """Make this process's writers on ``engine`` queue on one lock (faster than SQLite's busy retries)."""
    _write_locks[engine] = threading.Lock()


def is_immediate(connection: sa.Connection) -> bool:
    """True inside :func:`writing`: the transaction must start with ``BEGIN IMMEDIATE``."""
    return bool(connection.get_execution_options().get(_IMMEDIATE, False))


@contextmanager
def writing(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A write transaction (``BEGIN IMMEDIATE`` on SQLite): commits on success, rolls back on error.

    Raises :class:`StoreError` (plain message) for any database error.
    """
    lock = _write_locks.get(engine)
    with store_errors(), lock if lock is not None else nullcontext(), engine.connect() as connection:
        connection.execution_options(**{_IMMEDIATE: True})
        with connection.begin():
            yield connection


@contextmanager
def reading(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A read-only use of a connection; raises :class:`StoreError` (plain message) for any database error."""
    with store_errors(), engine.connect() as connection:
        yield connection
