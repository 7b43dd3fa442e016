"""Failed logins (to limit password guessing) and logouts (to end sessions and refuse older login cookies).

Kept in the database so that the limits hold across browser sessions, server processes and restarts.

:func:`attempt_login` is the only way the app checks a password: in one write transaction it checks both limits
(per user name, typed or not existing, and per client address) and counts the attempt as a failure *before* the
password is checked, so parallel guesses cannot all slip under the limit; a right password then removes the count.
When the attempt cannot be counted (database read-only, missing, busy) the password is not checked at all.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from osteo_core.errors import LoginLockedError
from osteo_core.store.audit import as_utc, audit
from osteo_core.store.tables import login_failures, logouts
from osteo_core.store.transactions import reading, writing

MAX_FAILED_LOGINS = 5  # per user name in LOCKOUT_MINUTES
MAX_FAILED_PER_CLIENT = 20  # per client address in LOCKOUT_MINUTES, over all user names
LOCKOUT_MINUTES = 15
_NAME_CHARS = 64  # the column width: a longer typed name is cut (PostgreSQL refuses longer text)
_LOCK_KEY = 6184022  # PostgreSQL advisory lock that serialises attempt_login


def _key(value: str | None) -> str:
    return (value or "unknown")[:_NAME_CHARS]


def attempt_login(engine: sa.Engine, username: str, client: str | None, password_ok: Callable[[], bool],
                  now: datetime | None = None) -> bool:
    """Check the limits, count the attempt, then call ``password_ok()``; True when the password was right.

    ``username`` is what was typed (an unknown name is limited and audited like a real one); ``client`` is the
    client's address (``None`` = unknown, one shared bucket). Raises :class:`LoginLockedError` (password not checked)
    when the user name has :data:`MAX_FAILED_LOGINS` or the client :data:`MAX_FAILED_PER_CLIENT` recent failures,
    and :class:`~osteo_core.errors.StoreError` when the attempt cannot be counted (fail closed).
    """
    name, client_key = _key(username), _key(client)
    moment = now or datetime.now(UTC)
    since = moment - timedelta(minutes=LOCKOUT_MINUTES)
    with writing(engine) as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_LOCK_KEY})")
        recent = login_failures.c.at >= since
        per_user = sa.select(sa.func.count()).where(recent, login_failures.c.username == name)
        if int(connection.execute(per_user).scalar() or 0) >= MAX_FAILED_LOGINS:
            raise LoginLockedError("user", LOCKOUT_MINUTES)
        per_client = sa.select(sa.func.count()).where(recent, login_failures.c.client == client_key)
        if int(connection.execute(per_client).scalar() or 0) >= MAX_FAILED_PER_CLIENT:
            raise LoginLockedError("client", LOCKOUT_MINUTES)
        connection.execute(login_failures.insert().values(username=name, at=moment, client=client_key))
    if password_ok():
        with writing(engine) as connection:
            connection.execute(login_failures.delete().where(login_failures.c.username == name))
        return True
    with writing(engine) as connection:
        audit(connection, name, "login_failed", f"client {client_key}")  # the counted attempt stays
    return False


def recent_failures(engine: sa.Engine, username: str, minutes: float = LOCKOUT_MINUTES,
                    now: datetime | None = None) -> int:
    """Failed logins of ``username`` in the last ``minutes`` minutes."""
    since = (now or datetime.now(UTC)) - timedelta(minutes=minutes)
    query = sa.select(sa.func.count()).where(login_failures.c.username == username, login_failures.c.at >= since)
    with reading(engine) as connection:
        return int(connection.execute(query).scalar() or 0)


def is_locked(engine: sa.Engine, username: str, limit: int = MAX_FAILED_LOGINS, minutes: float = LOCKOUT_MINUTES,
              now: datetime | None = None) -> bool:
    """True when ``username`` has had ``limit`` or more failed logins in the last ``minutes`` minutes."""
    return recent_failures(engine, username, minutes, now) >= limit


def record_failure(engine: sa.Engine, username: str, now: datetime | None = None, client: str | None = None) -> None:
    """Note one failed login (wrong password) of ``username`` from ``client``, and audit it."""
    with writing(engine) as connection:
        connection.execute(login_failures.insert().values(username=_key(username), at=now or datetime.now(UTC),
                                                          client=_key(client)))
        audit(connection, _key(username), "login_failed")


def clear_failures(engine: sa.Engine, username: str) -> None:
    """Forget the failed logins of ``username`` (after a successful login or an admin reset)."""
    with writing(engine) as connection:
        connection.execute(login_failures.delete().where(login_failures.c.username == username))


def record_logout(engine: sa.Engine, username: str, now: datetime | None = None) -> None:
    """Note that ``username`` logged out now: every login cookie issued before is refused from now on."""
    moment = now or datetime.now(UTC)
    with writing(engine) as connection:
        updated = connection.execute(logouts.update().where(logouts.c.username == username).values(at=moment))
        if not updated.rowcount:
            connection.execute(logouts.insert().values(username=username, at=moment))
        audit(connection, username, "logout")


def last_logout(engine: sa.Engine, username: str) -> datetime | None:
    """When ``username`` last logged out (UTC), or ``None``."""
    with reading(engine) as connection:
        found = connection.execute(sa.select(logouts.c.at).where(logouts.c.username == username)).scalar()
    return None if found is None else as_utc(found)


def cookie_revoked(engine: sa.Engine, username: str, issued_at: datetime,
                   valid_after: datetime | None = None) -> bool:
    """True when a login (cookie or session) of ``username`` at ``issued_at`` predates the user's last logout,
    or ``valid_after`` (the user's session epoch from the credentials file: password or role change).

    Raises :class:`~osteo_core.errors.StoreError` when the database cannot be read (callers refuse then).
    """
    logged_out = last_logout(engine, username)
    cut = max((t for t in (logged_out, valid_after and as_utc(valid_after)) if t is not None), default=None)
    return cut is not None and as_utc(issued_at) <= cut


def failure_counts(engine: sa.Engine, minutes: float = LOCKOUT_MINUTES, now: datetime | None = None) -> dict[str, int]:
    """Failed logins per username in the last ``minutes`` minutes (users without any are absent)."""
    since = (now or datetime.now(UTC)) - timedelta(minutes=minutes)
    query = (sa.select(login_failures.c.username, sa.func.count()).where(login_failures.c.at >= since)
             .group_by(login_failures.c.username))
    with reading(engine) as connection:
        return {name: int(count) for name, count in connection.execute(query)}
