"""Demo cases page: guided order, results inline, nothing stored; the curated cases cover what a demo needs."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from osteo_core.clinical.assess import assess_patient
from osteo_core.demo import DEMO_CASES
from osteo_core.store import list_audit, list_patients, open_store

ROOT = Path(__file__).resolve().parents[2]


def test_demo_cases_cover_low_moderate_high_a_man_and_a_t_score():
    results = [assess_patient(case.patient(), explain=False) for case in DEMO_CASES]
    assert len(DEMO_CASES) == 5
    assert {r.band for r in results} == {"low", "moderate", "high"}
    assert [r.band for r in results][:3] == ["low", "moderate", "high"]  # the guided order climbs
    assert any(case.values["sex"] == "male" for case in DEMO_CASES)
    assert any(r.who_category == "osteoporosis" for r in results)


def test_demo_page_walks_the_cases_in_order_and_stores_nothing():
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120).run()
    at.switch_page("pages/demo_cases.py").run()
    assert not at.exception
    assert at.title[0].value == "🎬 Demo cases"
    assert any("Case 1 of 5" in m.value for m in at.markdown)
    assert at.header[0].value == DEMO_CASES[0].title
    assert at.button(key="demo_previous").disabled
    assert any("Low risk band" in m.value for m in at.markdown)
    for number in range(2, 6):
        at.button(key="demo_next").click().run()
        assert not at.exception
        assert any(f"Case {number} of 5" in m.value for m in at.markdown)
        assert at.header[0].value == DEMO_CASES[number - 1].title
    assert at.button(key="demo_next").disabled
    assert any("WHO category" in m.value for m in at.success)  # the measured DXA leads
    at.button(key="demo_previous").click().run()
    assert any("Case 4 of 5" in m.value for m in at.markdown)
    assert list_patients(open_store()) == [] and list_audit(open_store()) == []
