"""Schema migrations: an older database upgrades in place and keeps its rows."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from osteo_core.errors import StoreError
from osteo_core.store import SCHEMA_VERSION, current_version, list_screenings, migrate, open_store, save_screening
from osteo_core.store.engine import create_store_engine
from tests.helpers.records import CLINICAL_OUTPUTS, INPUTS, VERSIONS


def test_migrate_from_version_1_keeps_rows_and_adds_the_new_columns(db_url):
    old = create_store_engine(db_url)
    assert migrate(old, target=1) == [1]
    with old.begin() as connection:
        columns = {c["name"] for c in sa.inspect(connection).get_columns("screenings")}
        assert "image_png" not in columns
        connection.exec_driver_sql(
            "INSERT INTO screenings (patient_id, kind, screened_at, created_by, inputs, outputs, model_versions, "
            "risk_probability, risk_band, t_score) VALUES ('P-0LD1', 'clinical_risk', '2024-01-02 03:04:05', 'ana', "
            "'{\"age\": 70}', '{\"risk_band\": \"low\"}', '{}', 0.04, 'low', NULL)")
    old.dispose()

    engine = open_store(db_url)  # what the app does on start
    assert current_version(engine) == SCHEMA_VERSION == 4
    [row] = list_screenings(engine, "P-0LD1")
    assert row.inputs == {"age": 70} and row.risk_band == "low" and row.has_image is False
    save_screening(engine, "P-0LD1", "knee_staging", {}, {"kl_grade": 0}, {"knee_kl": "1"}, user="ana", image_png=b"x")
    assert [s.has_image for s in list_screenings(engine, "P-0LD1")] == [False, True]
    assert "login_failures" in sa.inspect(engine).get_table_names()
    assert "client" in {c["name"] for c in sa.inspect(engine).get_columns("login_failures")}


def test_migrate_twice_applies_nothing_the_second_time(engine):
    assert migrate(engine) == []
    save_screening(engine, "P-1", "clinical_risk", INPUTS, CLINICAL_OUTPUTS, VERSIONS, user="ana")
    assert migrate(engine) == []
    assert len(list_screenings(engine, "P-1")) == 1


def test_migrate_refuses_a_database_newer_than_the_code(engine):
    with engine.begin() as connection:
        connection.exec_driver_sql("INSERT INTO schema_version (version, description, applied_at) "
                                   "VALUES (99, 'future', '2030-01-01 00:00:00')")
    with pytest.raises(StoreError, match="schema version 99, newer than this code"):
        migrate(engine)


def test_migrate_rejects_an_unknown_target(engine):
    with pytest.raises(StoreError, match="Got 7"):
        migrate(engine, target=7)


def test_a_bad_database_url_says_what_it_got():
    with pytest.raises(StoreError, match="not a database URL. Got 'nonsense'"):
        create_store_engine("nonsense")
