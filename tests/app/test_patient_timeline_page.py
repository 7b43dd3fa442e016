"""Patient timeline page: empty store, a patient's history and due date, overdue list, export, delete."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from streamlit.testing.v1 import AppTest

from osteo_core.store import list_audit, list_patients, open_store, save_screening

ROOT = Path(__file__).resolve().parents[2]


def _timeline() -> AppTest:
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60).run()
    return at.switch_page("pages/patient_timeline.py").run()


def _save(patient: str, band: str, days_ago: int, t_score: float | None = None) -> None:
    save_screening(open_store(), patient, "clinical_risk", {"age": 70},
                   {"risk_probability": 0.3, "risk_band": band, "t_score": t_score}, {"clinical_risk": "t"},
                   user="local", screened_at=datetime.now(UTC) - timedelta(days=days_ago))


def test_timeline_page_with_an_empty_store_explains_how_to_add_records():
    at = _timeline()
    assert not at.exception
    assert at.title[0].value == "📈 Patient timeline"
    assert any("No follow-up is overdue" in s.value for s in at.success)
    assert any("No screenings are stored yet" in i.value for i in at.info)


def test_timeline_page_shows_history_due_date_and_overdue_patients():
    _save("P-0001", "high", days_ago=400)
    _save("P-0001", "moderate", days_ago=200, t_score=-2.6)  # latest: T-score → 12 months, not yet due
    _save("P-0002", "low", days_ago=10)
    _save("P-0003", "high", days_ago=120)  # high band → 3 months: overdue by about 30 days
    at = _timeline()
    assert not at.exception
    overdue = at.dataframe[0].value
    assert list(overdue["Patient"]) == ["P-0003"]
    assert 25 <= int(overdue["Days overdue"].iloc[0]) <= 35
    assert at.selectbox(key="timeline_patient").options == ["P-0001", "P-0002", "P-0003"]
    assert any("Next follow-up" in m.value and "not yet due" in m.value and "12 months" in m.value
               for m in at.markdown)
    assert len(at.dataframe[1].value) == 2  # both screenings of P-0001


def test_timeline_page_exports_then_deletes_a_patient():
    _save("P-0001", "high", days_ago=30)
    _save("P-0002", "high", days_ago=30)
    at = _timeline()
    at.button(key="timeline_export").click().run()
    assert not at.exception
    assert any("1 screening(s)" in c.value for c in at.caption)
    assert list_audit(open_store())[0].action == "export_patient"
    assert at.button(key="timeline_delete").disabled
    at.text_input(key="timeline_delete_confirm").input("P-0001").run()
    at.button(key="timeline_delete").click().run()
    assert not at.exception
    assert list_patients(open_store()) == ["P-0002"]
    assert any("Deleted 1 screening(s) of P-0001" in s.value for s in at.success)
