"""Walk the remaining pages in a real browser (local mode): Cohort, Recommendations, Demo cases, Patient timeline,
Users and audit log. Every table and image is synthetic, made here."""

from __future__ import annotations

import numpy as np
import pytest

from tests.e2e.conftest import assert_no_exception, screenshot, settle
from tests.e2e.test_pages_e2e import open_page, submit_clinical_form

pytestmark = pytest.mark.e2e


def synthetic_cohort_csv(path, rows: int = 300, seed: int = 11):
    """A made-up patient table: id, age, sex, weight, height, smoking; two rows deliberately invalid."""
    rng = np.random.default_rng(seed)
    age = rng.integers(40, 90, rows)
    sex = rng.choice(["female", "male"], rows)
    weight = np.round(rng.normal(70, 12, rows).clip(40, 140), 1)
    height = np.round(rng.normal(165, 9, rows).clip(140, 200), 1)
    smoker = rng.choice(["yes", "no"], rows)
    lines = ["patient_id,age,sex,weight_kg,height_cm,smoker_current"]
    lines += [f"S{i:04d},{a},{s},{w},{h},{k}" for i, (a, s, w, h, k) in enumerate(zip(age, sex, weight, height,
                                                                                         smoker, strict=True))]
    lines[2] = "S0001,12,female,60,160,no"  # too young: kept, flagged, not scored
    lines[3] = "S0002,70,female,heavy,160,no"  # not a number
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def choose(page, select_label: str, option: str) -> None:
    """Pick ``option`` in the Streamlit selectbox labelled ``select_label``."""
    page.locator('[data-testid="stSelectbox"]').filter(has_text=select_label).first.click()
    page.get_by_role("option", name=option, exact=True).first.click()
    settle(page)


def test_cohort_upload_map_and_score(page, app_url, tmp_path):
    open_page(page, app_url, "cohort")
    csv = synthetic_cohort_csv(tmp_path / "cohort.csv")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(csv))
    settle(page)
    page.get_by_text("300 rows, 6 columns.").first.wait_for()
    page.get_by_role("button", name="Score the cohort").click()
    settle(page)
    page.get_by_role("heading", name="Who to refer, and how many scans").wait_for()
    charts = page.locator('[data-testid="stPlotlyChart"]')
    charts.nth(2).wait_for()  # risk distribution, referral curve, flag shares
    assert charts.count() >= 3
    metrics = page.locator('[data-testid="stMetric"]')
    assert "298" in metrics.filter(has_text="Scored").first.inner_text()
    assert "2" in metrics.filter(has_text="Rows with problems").first.inner_text()
    assert_no_exception(page)
    screenshot(page, "cohort")


def test_recommendations_profile_shows_sourced_advice(page, app_url):
    open_page(page, app_url, "recommendations")
    choose(page, "Bone-density result", "DXA (measured): Osteoporosis (T-score −2.5 or lower)")
    page.get_by_role("heading", name="Advice").wait_for()
    sources = page.locator('[data-testid="stCaptionContainer"]').filter(has_text="Source:")
    sources.first.wait_for()
    text = sources.first.inner_text()
    assert "reviewed" in text and len(text) > len("Source:  — reviewed 2000-01-01")
    assert_no_exception(page)
    screenshot(page, "recommendations")


def test_demo_cases_step_through(page, app_url):
    open_page(page, app_url, "demo_cases")
    page.get_by_text("Case 1 of 5").first.wait_for()
    page.get_by_role("heading", name="Case A — 54-year-old woman, no risk factors").wait_for()
    page.get_by_text("Estimated chance of hip DXA osteoporosis").first.wait_for()
    for number, title in [(2, "Case B — 59-year-old woman, smoker, mother broke a hip"),
                          (3, "Case C — 77-year-old woman, earlier fracture, on steroids")]:
        page.get_by_role("button", name="Next →").click()
        settle(page)
        page.get_by_text(f"Case {number} of 5").wait_for()
        page.get_by_role("heading", name=title).wait_for()
        page.locator('[data-testid="stPlotlyChart"]').first.wait_for()
        assert_no_exception(page)
    page.get_by_role("button", name="← Previous").click()
    settle(page)
    page.get_by_text("Case 2 of 5").first.wait_for()
    assert_no_exception(page)
    screenshot(page, "demo_cases")


def test_saved_clinical_result_appears_on_the_timeline(page, app_url):
    open_page(page, app_url, "clinical_risk")
    submit_clinical_form(page, "71", "52", "158")
    page.get_by_text("Save to patient history").first.wait_for()
    box = page.get_by_role("textbox", name="Pseudonymous patient id")
    box.fill("E2E-0042")
    box.press("Enter")
    settle(page)
    page.get_by_role("button", name="Save to patient history").click()
    settle(page)
    page.get_by_text("of patient E2E-0042").first.wait_for()
    assert_no_exception(page)

    open_page(page, app_url, "patient_timeline")
    page.get_by_role("heading", name="One patient").wait_for()
    choose(page, "Pseudonymous patient id", "E2E-0042")
    page.get_by_text("Next follow-up:").first.wait_for()
    page.locator('[data-testid="stPlotlyChart"]').first.wait_for()
    table = page.locator('[data-testid="stDataFrame"]').last
    table.wait_for()
    assert_no_exception(page)
    screenshot(page, "patient_timeline")


def test_users_and_audit_log_page(page, app_url):
    open_page(page, app_url, "users")
    page.get_by_text("Local mode: no credentials file yet.").first.wait_for()
    page.get_by_role("heading", name="Audit log (latest 200)").wait_for()
    page.get_by_role("button", name="Add user").wait_for()  # never pressed: it would end local mode here
    assert_no_exception(page)
    screenshot(page, "users")
