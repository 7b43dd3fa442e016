"""Screenings of pseudonymous patients: save, list, export (JSON/CSV) and delete.

Image pixels are stored only when a caller passes ``image_png`` (the page asks the user first).
"""

from __future__ import annotations

import base64
import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from osteo_core.errors import InputValidationError
from osteo_core.i18n import _
from osteo_core.store.audit import as_utc, audit
from osteo_core.store.tables import screenings
from osteo_core.store.transactions import reading, writing
from osteo_core.vocabulary import STORED_RISK_FIELD

KINDS = ("clinical_risk", "knee_staging", "image_screening")
_PATIENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class Screening:
    """One stored screening. ``risk_probability`` is 0–1; ``t_score`` in SD; times in UTC."""

    id: int
    patient_id: str
    kind: str
    screened_at: datetime
    created_by: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    model_versions: dict[str, str]
    risk_probability: float | None
    risk_band: str | None
    t_score: float | None
    has_image: bool


def validate_patient_id(patient_id: str) -> str:
    """The stripped id; raises :class:`InputValidationError` (a ``ValueError``) unless it is 1–64 letters, digits,
    ``_ . -`` with at least one digit (names have none, so a name typed by mistake is refused)."""
    value = (patient_id or "").strip()
    if not _PATIENT_ID.match(value):
        raise InputValidationError({"patient_id": [
            _("Patient id must be 1–64 letters, digits, '_', '.' or '-' (a pseudonym, e.g. P-0042). "
              "Got {value}.").format(value=repr(patient_id))]})
    if not any(ch.isdigit() for ch in value):
        raise InputValidationError({"patient_id": [
            _("Patient id must contain a digit — a pseudonym such as P-0042, never a name. Got {value}.").format(
                value=repr(value))]})
    return value


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def save_screening(engine: sa.Engine, patient_id: str, kind: str, inputs: dict[str, Any], outputs: dict[str, Any],
                   model_versions: dict[str, str], user: str, image_png: bytes | None = None,
                   screened_at: datetime | None = None) -> int:
    """Store one screening and its audit entry in one transaction; returns the new row id.

    ``outputs`` may hold ``risk_probability`` (0–1), ``risk_band`` and ``t_score`` (SD); they are copied into
    columns for the timeline. Raises :class:`InputValidationError` (a ``ValueError``) for a bad patient id, kind,
    or values that are not JSON.
    """
    patient_id = validate_patient_id(patient_id)
    if kind not in KINDS:
        raise InputValidationError({"kind": [_("kind must be one of {choices}. Got {value}.").format(
            choices=", ".join(KINDS), value=repr(kind))]})
    try:
        inputs, outputs, model_versions = json.loads(json.dumps([inputs, outputs, model_versions]))
    except (TypeError, ValueError) as exc:
        message = _("inputs, outputs and model versions must be JSON values: {error}").format(error=exc)
        raise InputValidationError({"outputs": [message]}) from None
    t_score = outputs.get("t_score", inputs.get("t_score"))
    row = {
        "patient_id": patient_id, "kind": kind, "screened_at": as_utc(screened_at or datetime.now(UTC)),
        "created_by": user, "inputs": inputs, "outputs": outputs, "model_versions": model_versions,
        "risk_probability": _number(outputs.get(STORED_RISK_FIELD)), "risk_band": outputs.get("risk_band"),
        "t_score": _number(t_score), "image_png": image_png,
    }
    with writing(engine) as connection:
        new_id = connection.execute(screenings.insert().values(**row)).inserted_primary_key[0]
        detail = f"{kind} #{new_id}" + (" with image" if image_png else "")
        audit(connection, user, "save_screening", detail, patient_id)
    return int(new_id)


def _screening(row: sa.RowMapping) -> Screening:
    return Screening(
        id=row["id"], patient_id=row["patient_id"], kind=row["kind"], screened_at=as_utc(row["screened_at"]),
        created_by=row["created_by"], inputs=row["inputs"], outputs=row["outputs"],
        model_versions=row["model_versions"], risk_probability=row["risk_probability"], risk_band=row["risk_band"],
        t_score=row["t_score"], has_image=bool(row["has_image"]),
    )


def _columns() -> list[sa.ColumnElement]:
    has_image = sa.case((screenings.c.image_png.is_(None), False), else_=True).label("has_image")
    return [c for c in screenings.c if c.name != "image_png"] + [has_image]


def list_screenings(engine: sa.Engine, patient_id: str) -> list[Screening]:
    """Every screening of ``patient_id``, oldest first (image pixels not loaded)."""
    query = (sa.select(*_columns()).where(screenings.c.patient_id == patient_id)
             .order_by(screenings.c.screened_at, screenings.c.id))
    with reading(engine) as connection:
        return [_screening(row) for row in connection.execute(query).mappings()]


def latest_screenings(engine: sa.Engine) -> list[Screening]:
    """The most recent clinical-risk screening of every patient (for follow-up lists)."""
    clinical = screenings.c.kind == "clinical_risk"
    newest = (sa.select(screenings.c.patient_id, sa.func.max(screenings.c.id).label("id"))
              .where(clinical).group_by(screenings.c.patient_id).subquery())
    query = sa.select(*_columns()).join(newest, newest.c.id == screenings.c.id).order_by(screenings.c.patient_id)
    with reading(engine) as connection:
        return [_screening(row) for row in connection.execute(query).mappings()]


def list_patients(engine: sa.Engine) -> list[str]:
    """Every patient id with at least one screening, sorted."""
    query = sa.select(screenings.c.patient_id).distinct().order_by(screenings.c.patient_id)
    with reading(engine) as connection:
        return list(connection.execute(query).scalars())


def export_patient(engine: sa.Engine, patient_id: str, user: str) -> dict[str, Any]:
    """All records of ``patient_id`` as a JSON-ready dict (stored images base64-encoded); the export is audited."""
    with reading(engine) as connection:
        rows = connection.execute(sa.select(screenings).where(screenings.c.patient_id == patient_id)
                                  .order_by(screenings.c.screened_at, screenings.c.id)).mappings().all()
    records = []
    for row in rows:
        record = {key: value for key, value in row.items() if key != "image_png"}
        record["screened_at"] = as_utc(row["screened_at"]).isoformat()
        if row["image_png"] is not None:
            record["image_png_base64"] = base64.b64encode(row["image_png"]).decode("ascii")
        records.append(record)
    audit(engine, user, "export_patient", f"{len(records)} screening(s)", patient_id)
    return {"patient_id": patient_id, "exported_at": datetime.now(UTC).isoformat(), "exported_by": user,
            "screenings": records}


def export_patient_csv(export: dict[str, Any]) -> str:
    """One CSV row per screening of an :func:`export_patient` result; nested values as JSON text."""
    fields = ["id", "patient_id", "kind", "screened_at", "created_by", "risk_probability", "risk_band", "t_score",
              "inputs", "outputs", "model_versions"]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, extrasaction="ignore")
    writer.writeheader()
    for record in export["screenings"]:
        writer.writerow({key: json.dumps(value) if isinstance(value, dict) else value for key, value in record.items()})
    return buffer.getvalue()


def delete_patient(engine: sa.Engine, patient_id: str, user: str) -> int:
    """Delete every screening of ``patient_id`` (the audit log keeps that it happened); returns rows deleted."""
    with writing(engine) as connection:
        deleted = connection.execute(screenings.delete().where(screenings.c.patient_id == patient_id)).rowcount
        audit(connection, user, "delete_patient", f"{deleted} screening(s) deleted", patient_id)
    return int(deleted)
