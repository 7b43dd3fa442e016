"""The audit log: who did what, when. Entries are only added, never changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from osteo_core.store.tables import audit_log
from osteo_core.store.transactions import reading, writing


def as_utc(moment: datetime) -> datetime:
    """``moment`` with UTC attached (SQLite returns stored UTC times without their zone)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    username: str
    action: str
    patient_id: str | None
    detail: str


def audit(engine: sa.Engine | sa.Connection, username: str, action: str, detail: str = "",
          patient_id: str | None = None) -> None:
    """Add one entry; ``engine`` may be an open connection so the entry joins its transaction."""
    row = {"at": datetime.now(UTC), "username": username or "?", "action": action, "patient_id": patient_id,
           "detail": detail}
    if isinstance(engine, sa.Connection):
        engine.execute(audit_log.insert().values(**row))
        return
    with writing(engine) as connection:
        connection.execute(audit_log.insert().values(**row))


def list_audit(engine: sa.Engine, limit: int = 200, patient_id: str | None = None) -> list[AuditEntry]:
    """The latest ``limit`` entries, newest first (only those about ``patient_id`` when given)."""
    query = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if patient_id is not None:
        query = query.where(audit_log.c.patient_id == patient_id)
    with reading(engine) as connection:
        rows = connection.execute(query).mappings().all()
    return [AuditEntry(as_utc(r["at"]), r["username"], r["action"], r["patient_id"], r["detail"]) for r in rows]
