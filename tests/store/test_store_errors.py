"""Database faults reach callers as StoreError with a plain message: no SQL, no parameters, no patient facts.
The SQLite file is created mode 0600. Uploaded file names are never stored."""

from __future__ import annotations

import logging
import stat
import traceback

import pytest

from osteo_core.store import StoreError, list_screenings, open_store, save_screening
from osteo_core.store.engine import create_store_engine
from osteo_core.store.records import density_record, file_type, knee_record
from tests.helpers.records import CLINICAL_OUTPUTS, VERSIONS

FACTS = {"age": 93.4, "sex": "female", "weight_kg": 41.7, "height_cm": 149.2, "note": "DOE_JANE_MRN123456"}


def _read_only(tmp_path):
    path = tmp_path / "history.db"
    open_store(f"sqlite:///{path}")
    return open_store(f"sqlite:///file:{path}?mode=ro&uri=true")


def test_a_failed_save_says_read_only_without_the_patient_facts(tmp_path, caplog):
    engine = _read_only(tmp_path)
    with pytest.raises(StoreError) as raised:
        save_screening(engine, "P-0042", "clinical_risk", FACTS, CLINICAL_OUTPUTS, VERSIONS, user="ana")
    error = raised.value
    assert "read-only" in str(error)
    assert error.__cause__ is None and error.__suppress_context__  # the driver's error is not chained into logs
    shown = "".join(traceback.format_exception_only(error))
    for secret in ("P-0042", "93.4", "41.7", "MRN123456", "INSERT", "parameters"):
        assert secret not in shown, secret
    logging.getLogger("test").error("save failed", exc_info=error)
    assert "MRN123456" not in caplog.text and "INSERT" not in caplog.text


def test_a_missing_folder_is_a_plain_store_error(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")  # a file where the database folder should be
    with pytest.raises(StoreError, match="cannot create the history database file"):
        create_store_engine(f"sqlite:///{blocker / 'sub' / 'history.db'}")


def test_reads_on_a_broken_database_raise_store_error(tmp_path):
    path = tmp_path / "broken.db"
    path.write_bytes(b"this is not a database" * 100)
    engine = create_store_engine(f"sqlite:///{path}")
    with pytest.raises(StoreError):
        list_screenings(engine, "P-1")


def test_the_sqlite_file_is_created_owner_only(tmp_path):
    path = tmp_path / "var" / "osteo.db"
    engine = open_store(f"sqlite:///{path}")
    save_screening(engine, "P-1", "clinical_risk", {}, CLINICAL_OUTPUTS, VERSIONS, user="ana")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    wal = path.with_name(path.name + "-wal")
    if wal.exists():
        assert stat.S_IMODE(wal.stat().st_mode) & 0o077 == 0


def test_an_existing_world_readable_file_is_tightened(tmp_path):
    path = tmp_path / "osteo.db"
    open_store(f"sqlite:///{path}")
    path.chmod(0o644)
    create_store_engine(f"sqlite:///{path}")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


class _Prediction:
    grade, grade_set, probabilities = 2, [1, 2], [0.1, 0.2, 0.5, 0.1, 0.1]
    category, t_score, t_interval = "osteopenia", -1.7, (-2.3, -1.1)
    probabilities_by_class = {"normal": 0.2}


@pytest.mark.parametrize(("name", "expected"), [
    ("DOE_JANE_MRN123456_knee_2024-01-02.dcm", ".dcm"), ("C:\\PACS\\SMITH^JOHN.DCM", ".dcm"),
    ("scan.PNG", ".png"), ("no_extension", ""), ("odd.name.with spaces", ""), ("", ""),
])
def test_file_type_keeps_only_the_extension(name, expected):
    assert file_type(name) == expected


def test_records_never_hold_the_uploaded_file_name():
    name = "DOE_JANE_MRN123456_knee.dcm"
    inputs, _, _ = knee_record(_Prediction(), name, "v1")
    assert inputs == {"file_type": ".dcm"}
    density = _Prediction()
    density.probabilities = {"normal": 0.2, "osteopenia": 0.5, "osteoporosis": 0.3}
    inputs, _, _ = density_record(density, name, "v1")
    assert "MRN123456" not in repr(inputs) and "DOE" not in repr(inputs)


def test_an_image_screening_record_carries_the_clinical_answer(tmp_path):
    from osteo_core.clinical import assess_patient, parse_patient

    clinical = assess_patient(parse_patient({"age": 72, "sex": "female", "weight_kg": 55, "height_cm": 158}),
                              explain=False)
    density = _Prediction()
    density.probabilities = {"normal": 0.2, "osteopenia": 0.5, "osteoporosis": 0.3}
    inputs, outputs, versions = density_record(density, "knee.png", "v1", clinical, image_adds=False)
    assert outputs["answer"].startswith("clinical estimate") and "research only" in outputs["answer"]
    assert outputs["risk_probability"] == pytest.approx(clinical.probability, abs=1e-6)
    assert outputs["risk_band"] == clinical.band and inputs["age"] == 72
    assert set(versions) == {"bone_density_knee", "clinical_risk"}
    engine = open_store(f"sqlite:///{tmp_path / 'history.db'}")
    save_screening(engine, "P-7", "image_screening", inputs, outputs, versions, user="ana")
    stored = list_screenings(engine, "P-7")[0]
    assert stored.risk_probability == pytest.approx(clinical.probability, abs=1e-6)  # the timeline table shows it
    _, image_only, _ = density_record(density, "knee.png", "v1")
    assert "risk_probability" not in image_only and image_only["answer"] == "image model"
