"""Create, read, export and delete screenings; the audit log records each."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from osteo_core.errors import InputValidationError
from osteo_core.store import (
    SCHEMA_VERSION,
    current_version,
    delete_patient,
    export_patient,
    export_patient_csv,
    list_audit,
    list_patients,
    list_screenings,
    save_screening,
)
from tests.helpers.records import CLINICAL_OUTPUTS, INPUTS, VERSIONS


def test_open_store_creates_every_table_at_the_latest_version(engine):
    assert current_version(engine) == SCHEMA_VERSION
    tables = set(sa.inspect(engine).get_table_names())
    assert {"screenings", "audit_log", "schema_version", "login_failures", "logouts"} <= tables
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 10_000


def test_save_screening_then_list_returns_the_same_values(engine):
    when = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    row = save_screening(engine, "P-0001", "clinical_risk", INPUTS, dict(CLINICAL_OUTPUTS, t_score=-1.8), VERSIONS,
                         user="ana", screened_at=when)
    [saved] = list_screenings(engine, "P-0001")
    assert saved.id == row
    assert (saved.patient_id, saved.kind, saved.created_by) == ("P-0001", "clinical_risk", "ana")
    assert saved.screened_at == when
    assert saved.inputs == INPUTS and saved.model_versions == VERSIONS
    assert saved.risk_probability == pytest.approx(0.21) and saved.risk_band == "high" and saved.t_score == -1.8
    assert saved.has_image is False
    assert list_screenings(engine, "P-0002") == []
    [entry] = list_audit(engine)
    assert (entry.username, entry.action, entry.patient_id) == ("ana", "save_screening", "P-0001")


def test_list_screenings_is_oldest_first(engine):
    now = datetime.now(UTC)
    for days in (10, 300, 40):
        save_screening(engine, "P-7", "clinical_risk", INPUTS, CLINICAL_OUTPUTS, VERSIONS, user="ana",
                       screened_at=now - timedelta(days=days))
    times = [s.screened_at for s in list_screenings(engine, "P-7")]
    assert times == sorted(times)


def test_image_pixels_are_stored_only_when_passed(engine):
    save_screening(engine, "P-1", "knee_staging", {"file": "a.png"}, {"kl_grade": 2}, {"knee_kl": "1"}, user="ana")
    save_screening(engine, "P-1", "knee_staging", {"file": "b.png"}, {"kl_grade": 3}, {"knee_kl": "1"}, user="ana",
                   image_png=b"\x89PNG fake")
    assert [s.has_image for s in list_screenings(engine, "P-1")] == [False, True]


@pytest.mark.parametrize(("patient_id", "match"), [
    ("", "Patient id must be"), ("P 42", "Patient id must be"), ("x" * 65, "Patient id must be"),
    ("Jane_Smith", "must contain a digit"), ("jane.smith", "must contain a digit"),
])
def test_save_screening_rejects_a_bad_patient_id(engine, patient_id, match):
    with pytest.raises(InputValidationError, match=match) as info:
        save_screening(engine, patient_id, "clinical_risk", INPUTS, CLINICAL_OUTPUTS, VERSIONS, user="ana")
    assert list(info.value.field_issues) == ["patient_id"] and isinstance(info.value, ValueError)
    assert list_patients(engine) == []


def test_save_screening_rejects_an_unknown_kind_and_non_json_values(engine):
    with pytest.raises(InputValidationError, match="kind must be one of .* Got 'xray'"):
        save_screening(engine, "P-1", "xray", INPUTS, CLINICAL_OUTPUTS, VERSIONS, user="ana")
    with pytest.raises(InputValidationError, match="JSON"):
        save_screening(engine, "P-1", "clinical_risk", {"when": object()}, CLINICAL_OUTPUTS, VERSIONS, user="ana")


def test_export_patient_gives_json_and_csv_with_every_record(engine):
    save_screening(engine, "P-1", "clinical_risk", INPUTS, CLINICAL_OUTPUTS, VERSIONS, user="ana")
    save_screening(engine, "P-1", "knee_staging", {"file": "k.png"}, {"kl_grade": 1}, {"knee_kl": "2"}, user="ana",
                   image_png=b"pixels")
    save_screening(engine, "P-2", "clinical_risk", INPUTS, CLINICAL_OUTPUTS, VERSIONS, user="ana")
    export = export_patient(engine, "P-1", user="bob")
    json.dumps(export)  # JSON-ready
    assert [r["kind"] for r in export["screenings"]] == ["clinical_risk", "knee_staging"]
    assert export["screenings"][1]["image_png_base64"] == "cGl4ZWxz"
    lines = export_patient_csv(export).strip().splitlines()
    assert len(lines) == 3 and lines[0].startswith("id,patient_id,kind,screened_at")
    assert list_audit(engine, limit=1)[0].action == "export_patient"


def test_delete_patient_removes_only_that_patient_and_is_audited(engine):
    for patient in ("P-1", "P-1", "P-2"):
        save_screening(engine, patient, "clinical_risk", INPUTS, CLINICAL_OUTPUTS, VERSIONS, user="ana")
    assert delete_patient(engine, "P-1", user="bob") == 2
    assert list_screenings(engine, "P-1") == []
    assert list_patients(engine) == ["P-2"]
    last = list_audit(engine, limit=1)[0]
    assert (last.username, last.action, last.patient_id, last.detail) == ("bob", "delete_patient", "P-1",
                                                                          "2 screening(s) deleted")
    assert delete_patient(engine, "P-1", user="bob") == 0
