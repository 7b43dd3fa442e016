"""Versioned schema migrations, applied in order; the ``schema_version`` table records each one.

Each step is a function of an open write transaction. Steps define the tables as they were at their version
(they never import the current :mod:`osteo_core.store.tables`), so an old database always upgrades the same way.
Add a step by appending to :data:`MIGRATIONS`; never edit a released step.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa

from osteo_core.errors import StoreError
from osteo_core.i18n import _
from osteo_core.store.tables import schema_version
from osteo_core.store.transactions import reading, writing


def _v1_history(connection: sa.Connection) -> None:
    """Screenings and audit log."""
    meta = sa.MetaData()
    sa.Table(
        "screenings", meta,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("patient_id", sa.String(64), nullable=False, index=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("screened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("inputs", sa.JSON, nullable=False),
        sa.Column("outputs", sa.JSON, nullable=False),
        sa.Column("model_versions", sa.JSON, nullable=False),
        sa.Column("risk_probability", sa.Float),
        sa.Column("risk_band", sa.String(16)),
        sa.Column("t_score", sa.Float),
    )
    sa.Table(
        "audit_log", meta,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("patient_id", sa.String(64)),
        sa.Column("detail", sa.Text, nullable=False),
    )
    meta.create_all(connection)


def _v2_images_and_logins(connection: sa.Connection) -> None:
    """Optional stored image per screening; failed logins and logouts (login limits, cookie revocation)."""
    blob = sa.LargeBinary().compile(dialect=connection.dialect)
    connection.exec_driver_sql(f"ALTER TABLE screenings ADD COLUMN image_png {blob}")
    meta = sa.MetaData()
    sa.Table(
        "login_failures", meta,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False, index=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    sa.Table(
        "logouts", meta,
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    meta.create_all(connection)


def _v3_login_client(connection: sa.Connection) -> None:
    """The client address of each failed login (a per-client limit beside the per-user one)."""
    text = sa.String(64).compile(dialect=connection.dialect)
    connection.exec_driver_sql(f"ALTER TABLE login_failures ADD COLUMN client {text}")
    connection.exec_driver_sql("CREATE INDEX ix_login_failures_client ON login_failures (client)")


def _v4_user_settings(connection: sa.Connection) -> None:
    """Per-user settings: the language each user chose (issue 16)."""
    meta = sa.MetaData()
    sa.Table(
        "user_settings", meta,
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    meta.create_all(connection)


MIGRATIONS: tuple[tuple[int, str, Callable[[sa.Connection], None]], ...] = (
    (1, "screenings and audit log", _v1_history),
    (2, "stored images, failed logins, logouts", _v2_images_and_logins),
    (3, "client address of failed logins", _v3_login_client),
    (4, "per-user settings (language)", _v4_user_settings),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]


def current_version(engine: sa.Engine) -> int:
    """Schema version of the database (0 for an empty database)."""
    with reading(engine) as connection:
        if not sa.inspect(connection).has_table("schema_version"):
            return 0
        return int(connection.execute(sa.select(sa.func.max(schema_version.c.version))).scalar() or 0)


def migrate(engine: sa.Engine, target: int = SCHEMA_VERSION) -> list[int]:
    """Apply the pending migrations up to ``target`` in one transaction; returns the versions applied.

    Safe when several processes start at once: the write lock (SQLite) or an advisory lock (PostgreSQL) makes
    them run one after another, and the later ones find nothing to do.
    Raises :class:`StoreError` when the database is newer than this code or ``target`` is unknown.
    """
    if not 0 <= target <= SCHEMA_VERSION:
        raise StoreError(_("target schema version must be between 0 and {latest}. Got {value}.").format(
            latest=SCHEMA_VERSION, value=target))
    with writing(engine) as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(6184021)")
        schema_version.create(connection, checkfirst=True)
        found = int(connection.execute(sa.select(sa.func.max(schema_version.c.version))).scalar() or 0)
        if found > SCHEMA_VERSION:
            raise StoreError(_("the database has schema version {found}, newer than this code ({latest}): update the "
                               "app.").format(found=found, latest=SCHEMA_VERSION))
        applied = []
        for version, description, step in MIGRATIONS:
            if found < version <= target:
                step(connection)
                connection.execute(schema_version.insert().values(
                    version=version, description=description, applied_at=datetime.now(UTC)))
                applied.append(version)
    return applied
