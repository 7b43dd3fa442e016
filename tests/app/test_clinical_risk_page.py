"""Clinical Risk page: the form, a full assessment, field-level validation messages and a missing model."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "pages" / "clinical_risk.py")


@pytest.fixture()
def at() -> AppTest:
    app = AppTest.from_file(PAGE, default_timeout=60)
    app.run()
    assert not app.exception
    return app


def _fill(at: AppTest, age: float = 67) -> None:
    at.number_input(key="age").set_value(age)
    at.radio(key="sex").set_value("female")
    at.number_input(key="weight").set_value(58.0)
    at.number_input(key="height").set_value(160.0)
    at.radio(key="prior_fracture").set_value("Yes")
    at.radio(key="smoker_current").set_value("Yes")
    at.number_input(key="alcohol").set_value(1.0)
    at.selectbox(key="menopause_status").set_value("postmenopausal")
    at.checkbox(key="has_t_score").check()
    at.number_input(key="t_score").set_value(-2.7)


def _submit(at: AppTest) -> None:
    at.button(key="submit").click().run()


def _all_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.value for e in at.error] + [w.value for w in at.warning] + [i.value for i in at.info]
    parts += [s.value for s in at.success]
    return "\n".join(str(p) for p in parts)


def test_page_shows_form_and_disclaimer_before_submit(at: AppTest):
    assert at.title[0].value == "🩺 Clinical risk"
    assert not at.metric
    text = _all_text(at)
    assert "hip DXA scan would show osteoporosis" in text and "self-reported doctor's diagnosis" not in text
    assert "not a diagnosis" in text
    labels = [w.label for w in at.number_input]
    assert "Age (years)" in labels
    assert "Alcohol (drinks/day)" in labels
    assert "Measured DXA T-score (SD)" in labels


def test_happy_path_shows_probability_tools_and_explanation(at: AppTest):
    _fill(at)
    _submit(at)
    assert not at.exception
    assert not at.error
    probability = next(m for m in at.metric
                       if m.label == "Estimated chance of hip DXA osteoporosis")
    value = float(probability.value.removeprefix("under ").rstrip(" %"))
    assert 0 < value < 100
    text = _all_text(at)
    for tool in ("OST", "ORAI", "SCORE"):
        assert any(tool in m.value for m in at.markdown if m.value.startswith("**")), tool
    assert " band" in text and "Estimated femoral-neck T-score" in text and "80 % range" in text
    assert "Factors you can change" in text
    assert "Current smoking" in text and "percentage points" in text
    assert "Osteoporosis (T-score −2.5 or lower)" in text
    assert "Model version" in text
    assert len(at.get("plotly_chart")) == 3  # gauge, T-score range and SHAP waterfall


def test_pounds_and_inches_are_converted(at: AppTest):
    _fill(at)
    at.radio(key="weight_unit").set_value("lb")
    at.number_input(key="weight").set_value(128.0)
    at.radio(key="height_unit").set_value("in")
    at.number_input(key="height").set_value(63.0)
    _submit(at)
    assert not at.exception
    assert not at.error
    assert any(m.label.startswith("Estimated chance of hip DXA") for m in at.metric)


def test_invalid_age_shows_message_next_to_field_and_keeps_values(at: AppTest):
    _fill(at, age=12)
    _submit(at)
    assert not at.exception
    errors = [e.value for e in at.error]
    assert "`age` must be between 18 and 110 (years). Got 12." in errors
    assert any(e.startswith("Please correct 1 entry: Age") for e in errors)
    assert not at.metric
    assert at.number_input(key="age").value == 12
    assert at.number_input(key="weight").value == 58.0
    assert at.number_input(key="height").value == 160.0
    assert at.radio(key="sex").value == "female"
    assert at.radio(key="smoker_current").value == "Yes"
    assert at.number_input(key="t_score").value == -2.7


def test_fixing_the_error_clears_it(at: AppTest):
    _fill(at, age=12)
    _submit(at)
    at.number_input(key="age").set_value(67)
    _submit(at)
    assert not at.exception
    assert not at.error
    assert at.metric


def test_missing_required_fields_are_reported(at: AppTest):
    _submit(at)
    assert not at.exception
    errors = [e.value for e in at.error]
    assert "`age` is required (years)." in errors
    assert "`sex` is required." in errors


def test_missing_model_shows_error_and_page_still_renders(tmp_path, monkeypatch):
    monkeypatch.setenv("OSTEO_MODELS_DIR", str(tmp_path))
    app = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not app.exception
    assert any("risk model cannot be loaded" in e.value for e in app.error)
    assert app.number_input(key="age") is not None
    _fill(app)
    _submit(app)
    assert not app.exception
    assert not app.metric
    assert any("model card is missing" in m.value for m in app.markdown)


def test_t_score_is_ignored_unless_the_box_is_ticked(at: AppTest):
    _fill(at)
    at.checkbox(key="has_t_score").uncheck()
    _submit(at)
    assert not at.exception
    assert at.metric
    assert any("entered but not used" in c.value for c in at.caption)
    assert "WHO category" not in _all_text(at)


def test_result_offers_recommendations_consult_links_and_a_pdf_report(at: AppTest):
    _fill(at)
    _submit(at)
    assert not at.exception
    assert "Follow-up: advice, consult links and report" in [s.value for s in at.subheader]
    downloads = at.get("download_button")
    assert len(downloads) == 1 and downloads[0].proto.label == "Download PDF case report"
    assert at.checkbox(key="clinical_anonymise").value is True
    assert at.text_input(key="clinical_patient_label").disabled
    prefill = at.session_state["recommend_prefill"]["clinical"]
    assert prefill["bone_category"] == "osteoporosis" and prefill["bone_source"] == "dxa"
    assert prefill["age"] == 67 and prefill["smoker"] is True
    assert any("Open **Recommendations** from the menu" in c.value for c in at.caption)  # page run on its own
    assert any(m.value.startswith("- [") and "](https://" in m.value for m in at.markdown)


def test_in_the_app_the_result_links_to_the_recommendations_page():
    app = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120).run()
    app.switch_page("pages/clinical_risk.py").run()
    _fill(app)
    _submit(app)
    assert not app.exception, app.exception
    links = app.get("page_link")
    assert [link.proto.label for link in links] == ["See recommendations for this result"]
