"""Failed logins (to limit password guessing) and logouts (to refuse login cookies issued before them).

Kept in the database so that the limits hold across browser sessions, server processes and restarts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from osteo_core.store.audit import as_utc, audit
from osteo_core.store.engine import writing
from osteo_core.store.tables import login_failures, logouts

MAX_FAILED_LOGINS = 5
LOCKOUT_MINUTES = 15


def recent_failures(engine: sa.Engine, username: str, minutes: float = LOCKOUT_MINUTES,
                    now: datetime | None = None) -> int:
    """Failed logins of ``username`` in the last ``minutes`` minutes."""
    since = (now or datetime.now(UTC)) - timedelta(minutes=minutes)
    query = sa.select(sa.func.count()).where(login_failures.c.username == username, login_failures.c.at >= since)
    with engine.connect() as connection:
        return int(connection.execute(query).scalar() or 0)


def is_locked(engine: sa.Engine, username: str, limit: int = MAX_FAILED_LOGINS, minutes: float = LOCKOUT_MINUTES,
              now: datetime | None = None) -> bool:
    """True when ``username`` has had ``limit`` or more failed logins in the last ``minutes`` minutes."""
    return recent_failures(engine, username, minutes, now) >= limit


def record_failure(engine: sa.Engine, username: str, now: datetime | None = None) -> None:
    """Note one failed login (wrong password) of ``username``, and audit it."""
    with writing(engine) as connection:
        connection.execute(login_failures.insert().values(username=username, at=now or datetime.now(UTC)))
        audit(connection, username, "login_failed")


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
    with engine.connect() as connection:
        found = connection.execute(sa.select(logouts.c.at).where(logouts.c.username == username)).scalar()
    return None if found is None else as_utc(found)


def cookie_revoked(engine: sa.Engine, username: str, issued_at: datetime) -> bool:
    """True when a login cookie of ``username`` issued at ``issued_at`` predates the user's last logout."""
    logged_out = last_logout(engine, username)
    return logged_out is not None and as_utc(issued_at) <= logged_out


def failure_counts(engine: sa.Engine, minutes: float = LOCKOUT_MINUTES, now: datetime | None = None) -> dict[str, int]:
    """Failed logins per username in the last ``minutes`` minutes (users without any are absent)."""
    since = (now or datetime.now(UTC)) - timedelta(minutes=minutes)
    query = (sa.select(login_failures.c.username, sa.func.count()).where(login_failures.c.at >= since)
             .group_by(login_failures.c.username))
    with engine.connect() as connection:
        return {name: int(count) for name, count in connection.execute(query)}
