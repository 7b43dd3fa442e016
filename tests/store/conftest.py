"""A fresh SQLite history database per test, in a temp folder."""

from __future__ import annotations

import pytest

from osteo_core.store import open_store


@pytest.fixture
def db_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'history.db'}"


@pytest.fixture
def engine(db_url):
    return open_store(db_url)


CLINICAL_OUTPUTS = {"risk_probability": 0.21, "risk_band": "high", "who_category": None}
INPUTS = {"age": 71.0, "sex": "female", "weight_kg": 52.0, "height_cm": 158.0}
VERSIONS = {"clinical_risk": "test-1"}
