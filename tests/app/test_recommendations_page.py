"""Recommendations page: a chosen profile gives sourced advice; pre-filled from a result; consult links; a refused
consult-links file is reported without breaking the page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from osteo_core.recommend import Profile, profile_from_knee
from osteo_core.recommend.consult import ENV_VAR, EXAMPLE_PATH

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "pages" / "recommendations.py")


@pytest.fixture(autouse=True)
def example_links(monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(EXAMPLE_PATH))


def _page(prefill: dict | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    if prefill is not None:
        at.session_state["recommend_prefill"] = prefill
    at.run()
    assert not at.exception, at.exception
    return at


def _cards(at: AppTest) -> list[str]:
    """Markdown of each recommendation card (title and text) in page order."""
    return [m.value for m in at.markdown if m.value.startswith("**") and "\n\n" in m.value]


def _sources(at: AppTest) -> list[str]:
    return [c.value for c in at.caption if c.value.startswith("Source:")]


def test_blank_page_asks_for_a_profile_and_shows_consult_links_and_sources():
    at = _page()
    assert at.title[0].value == "📋 Recommendations"
    assert "not a prescription" in at.info[0].value and "never with a dose" in at.info[0].value
    assert any("Enter at least an age" in i.value for i in at.info)
    assert not _cards(at)
    links = [m.value for m in at.markdown if m.value.startswith("- [")]
    assert links and all("](https://" in link for link in links)
    assert any("USPSTF 2025" in m.value for m in at.markdown)  # the sources expander


def test_chosen_profile_gives_advice_each_with_a_source_and_review_date():
    at = _page()
    at.number_input(key="rec_age").set_value(68).run()
    at.radio(key="rec_sex").set_value("female").run()
    assert not at.exception
    cards, sources = _cards(at), _sources(at)
    assert cards and len(cards) == len(sources)
    assert any("DXA screening recommended (women aged 65 or older)" in card for card in cards)
    assert all(re.search(r"reviewed \d{1,2} \w{3} 20\d\d", source) for source in sources)  # e.g. "2 Dec 2026"
    assert any("USPSTF 2025" in source for source in sources)
    assert "Next diagnostic step" in [s.value for s in at.subheader]


def test_dxa_osteoporosis_with_fracture_lists_medicine_classes_to_discuss_without_doses():
    at = _page()
    at.selectbox(key="rec_bone").set_value("dxa:osteoporosis").run()
    at.number_input(key="rec_age").set_value(72).run()
    at.radio(key="rec_prior_fracture").set_value("Yes").run()
    medicine = [card for card in _cards(at) if "anabolic" in card]
    assert medicine and "discuss with your clinician" in medicine[0].lower()
    assert " mg" not in medicine[0] and "Medicines to discuss with your clinician" in [s.value for s in at.subheader]


def test_kl4_with_symptoms_suggests_referral_and_no_bone_advice():
    at = _page()
    at.selectbox(key="rec_kl").set_value(4).run()
    at.radio(key="rec_knee_symptoms").set_value("Yes").run()
    cards = _cards(at)
    assert any("referral to discuss surgery" in card for card in cards)
    assert "Next diagnostic step" not in [s.value for s in at.subheader]
    assert any("not bone density" in c.value for c in at.caption)


def test_result_pages_pre_fill_the_profile():
    clinical = Profile(bone_category="osteopenia", bone_source="dxa", t_score=-1.8, risk_band="moderate", age=61,
                       sex="female", postmenopausal=True, smoker=True)
    at = _page({"clinical": clinical.to_dict(), "knee": profile_from_knee(3).to_dict()})
    assert at.selectbox(key="rec_bone").value == "dxa:osteopenia"
    assert at.number_input(key="rec_t_score").value == pytest.approx(-1.8)
    assert at.selectbox(key="rec_band").value == "moderate"
    assert at.selectbox(key="rec_kl").value == 3
    assert at.radio(key="rec_smoker").value == "Yes"
    assert any("Pre-filled from: Clinical risk result, Knee staging result" in c.value for c in at.caption)
    cards = _cards(at)
    assert any("Low bone mass (osteopenia) on DXA" in card for card in cards)
    assert any("Knee osteoarthritis — exercise and education first" in card for card in cards)


def test_region_choice_changes_the_consult_links():
    at = _page()
    at.selectbox(key="rec_region").set_value("India").run()
    links = [m.value for m in at.markdown if m.value.startswith("- [")]
    assert "Apollo" in links[0]


def test_malformed_consult_file_is_refused_with_a_message_and_advice_still_shows(tmp_path, monkeypatch):
    bad = tmp_path / "consult_links.yaml"
    bad.write_text(yaml.safe_dump({"regions": ["Here"], "links": [
        {"name": "Bad", "url": "http://insecure.example.org", "region": "Here", "kind": "in_person"}]}))
    monkeypatch.setenv(ENV_VAR, str(bad))
    at = _page()
    at.number_input(key="rec_age").set_value(70).run()
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "is refused" in errors[0] and "must start with https://" in errors[0]
    assert _cards(at)


def test_app_lists_recommendations_and_switches_to_it():
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120).run()
    at.switch_page("pages/recommendations.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "📋 Recommendations"


def test_measured_dxa_outranks_an_image_estimate_when_results_are_merged():
    clinical = Profile(bone_category="osteoporosis", bone_source="dxa", t_score=-3.2, risk_band="high", age=70,
                       sex="female", postmenopausal=True)
    image = Profile(bone_category="osteopenia", bone_source="image_bone_density")
    at = _page({"clinical": clinical.to_dict(), "image": image.to_dict()})
    assert at.selectbox(key="rec_bone").value == "dxa:osteoporosis"
    assert at.number_input(key="rec_t_score").value == pytest.approx(-3.2)
    cards = _cards(at)
    assert any("Very high fracture risk" in card for card in cards)
    assert any("Osteoporosis on DXA" in card for card in cards)
    assert not any("Confirm" in card and "DXA scan" in card for card in cards)
    assert any("the measured DXA outranks it" in c.value for c in at.caption)
    assert any("DXA (measured)" in m.value for m in at.markdown)


def test_clinical_estimate_is_shown_as_an_estimate_and_gives_no_treatment_advice():
    clinical = Profile(risk_band="high", age=70, sex="female", postmenopausal=True, t_score_estimate=-3.4,
                       t_score_estimate_low=-4.2, t_score_estimate_high=-2.6)
    at = _page({"clinical": clinical.to_dict()})
    assert any("Estimated T-score: −3.4 SD" in m.value and "clinical model" in m.value for m in at.markdown)
    assert "Medicines to discuss with your clinician" not in [s.value for s in at.subheader]
