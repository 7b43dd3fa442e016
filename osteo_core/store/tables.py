"""The tables of the current schema (version :data:`osteo_core.store.migrations.SCHEMA_VERSION`).

Times are stored in UTC. ``patient_id`` is a pseudonymous id chosen by the user, never a name.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

schema_version = sa.Table(
    "schema_version", metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("description", sa.String(200), nullable=False),
    sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
)

screenings = sa.Table(
    "screenings", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("patient_id", sa.String(64), nullable=False, index=True),
    sa.Column("kind", sa.String(32), nullable=False),  # "clinical_risk", "knee_staging" or "image_screening"
    sa.Column("screened_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("inputs", sa.JSON, nullable=False),
    sa.Column("outputs", sa.JSON, nullable=False),
    sa.Column("model_versions", sa.JSON, nullable=False),
    sa.Column("risk_probability", sa.Float),  # 0–1, clinical risk only
    sa.Column("risk_band", sa.String(16)),  # low / moderate / high
    sa.Column("t_score", sa.Float),  # DXA T-score (SD) when measured
    sa.Column("image_png", sa.LargeBinary),  # added in schema 2; only when the user ticks "also store the image"
)

audit_log = sa.Table(
    "audit_log", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("patient_id", sa.String(64)),
    sa.Column("detail", sa.Text, nullable=False, default=""),
)

login_failures = sa.Table(  # schema 2
    "login_failures", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(64), nullable=False, index=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("client", sa.String(64), index=True),  # schema 3: the client's address (per-client limit)
)

logouts = sa.Table(  # schema 2: a login cookie issued before this time is refused
    "logouts", metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
)

user_settings = sa.Table(  # schema 4: what each user chose for themselves
    "user_settings", metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("language", sa.String(8), nullable=False),  # "en", "es" or "hi"
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
