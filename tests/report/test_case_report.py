"""PDF case reports: the text is in the PDF (extracted with pypdf), anonymising removes identifiers, unusual
characters never crash the builder, images are embedded."""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader

from osteo_core.clinical.assess import ToolResult
from osteo_core.clinical.tools import TOOL_INFO
from osteo_core.explain.shap_risk import RiskExplanation
from osteo_core.recommend import Profile, profile_from_knee, recommend
from osteo_core.report import (
    CaseReport,
    ReportError,
    ReportImage,
    build_case_report,
    clinical_case_report,
    knee_case_report,
    plain_text,
)
from osteo_core.report import pdf as pdf_module

CREATED = dt.datetime(2026, 11, 25, 10, 30)
DISCLAIMER = "**An aid to referral, not a diagnosis.** A *DXA scan* is the diagnostic test."


def _text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture()
def assessment() -> SimpleNamespace:
    patient = SimpleNamespace(age=67.0, sex="female", weight_kg=58.0, height_cm=160.0, bmi=22.66, race="white",
                              prior_fracture=True, parent_hip_fracture=None, glucocorticoids=False,
                              smoker_current=True, alcohol_drinks_per_day=1.0, menopause_status="postmenopausal",
                              t_score=-2.7)
    explanation = RiskExplanation(
        base_value=0.1, prediction=0.27,
        contributions=pd.Series({"prior_fracture": 0.047, "female": 0.046, "smoker_current": 0.01, "age": 0.013,
                                 "weight_kg": 0.017}),
        display_values=pd.Series({"prior_fracture": "yes", "female": "female", "smoker_current": "yes", "age": "67",
                                  "weight_kg": "58.0"}))
    tools = [ToolResult(TOOL_INFO["ost"], -1.0, True, ""),
             ToolResult(TOOL_INFO["orai"], None, None, "needs estrogen/hormone therapy status")]
    profile = Profile(bone_category="osteoporosis", bone_source="dxa", t_score=-2.7, risk_band="high", age=67,
                      sex="female", prior_fracture=True, smoker=True)
    return SimpleNamespace(patient=patient, probability=0.269, band="high",
                           band_text="High: DXA referral is suggested", tools=tools, explanation=explanation,
                           model_version="2026-11-25-test-model", warnings=["Not given, so the average was used."],
                           who_category_text="Osteoporosis (T-score −2.5 or lower)",
                           recommendations=recommend(profile))


def _clinical(assessment, **options) -> str:
    report = clinical_case_report(assessment, recommendations=assessment.recommendations, disclaimer=DISCLAIMER,
                                  created=CREATED, **options)
    return _text(build_case_report(report))


def test_clinical_report_holds_facts_results_tools_factors_recommendations_version_and_disclaimer(assessment):
    text = _clinical(assessment, patient_label="Jane Doe")
    flat = _flat(text)
    for expected in ("Osteoporosis clinical risk — case report", "Jane Doe", "2026-11-25", "67 years",
                     "26.9 %", "High: DXA referral is suggested", "−2.7 SD", "T-score −2.5 or lower",
                     "score −1", "not applicable: needs estrogen/hormone therapy status",
                     "Prior fracture", "+4.7 percentage points", "2026-11-25-test-model",
                     "An aid to referral, not a diagnosis.", "kg/m²", "≥ 3 months", "white"):
        assert expected in flat, expected
    for item in assessment.recommendations:
        assert item.title in flat, item.title
    assert "BHOF 2022" in flat and "reviewed 2 Dec 2026" in flat  # dates via format_date (English: en_GB)
    assert "Created 25 Nov 2026 10:30" in flat
    assert "1,000–1,200 mg" in flat
    assert "*" not in text


def test_anonymised_report_drops_name_day_race_and_exact_age(assessment):
    flat = _flat(_clinical(assessment, patient_label="Jane Doe", anonymise=True))
    assert "Jane Doe" not in flat
    assert "Anonymised — case reference" in flat
    assert "65–69 years (5-year band)" in flat and "67 years" not in flat
    assert "2026-11 (day removed)" in flat and "25 Nov 2026" not in flat and "10:30" not in flat
    assert "60 kg (rounded)" in flat and "white" not in flat
    assert "67:" not in flat and "58.0" not in flat, "SHAP factor values must not leak the exact age or weight"
    assert "26.9 %" in flat  # the result itself stays


def test_knee_report_embeds_view_and_overlay_with_grade_and_advice():
    view = np.tile(np.arange(64, dtype=np.uint8) * 4, (64, 1))
    prediction = SimpleNamespace(grade=3, grade_range=(2, 3), probabilities=np.array([.02, .08, .3, .5, .1]),
                                 model_view=view)
    overlay = np.dstack([view, np.zeros_like(view), 255 - view])
    report = knee_case_report(prediction, overlay, model_version="kl-test", coverage=0.9, method="Grad-CAM",
                              recommendations=recommend(profile_from_knee(3)), disclaimer="KL is not bone density.",
                              patient_label="John Roe", file_name="knee_0042.png", created=CREATED)
    data = build_case_report(report)
    flat = _flat(_text(data))
    for expected in ("KL 3 — Moderate", "KL 2–3", "For 90 % of knees like this one, the true grade lies in KL 2–3",
                     "KL 3: 50 %", "Grad-CAM for KL 3", "kl-test",
                     "John Roe", "knee_0042.png", "OARSI 2019", "KL is not bone density."):
        assert expected in flat, expected
    assert sum(len(page.images) for page in PdfReader(io.BytesIO(data)).pages) == 2


def test_anonymised_knee_report_drops_name_and_file_name():
    view = np.zeros((32, 32), np.uint8)
    prediction = SimpleNamespace(grade=0, grade_range=(0, 1), probabilities=np.array([.6, .3, .05, .03, .02]),
                                 model_view=view)
    report = knee_case_report(prediction, np.dstack([view] * 3), model_version="v", coverage=0.9, method="Grad-CAM",
                              recommendations=[], disclaimer="d", patient_label="John Roe",
                              file_name="john_roe_knee.png", anonymise=True, created=CREATED)
    flat = _flat(_text(build_case_report(report)))
    assert "John Roe" not in flat and "john_roe" not in flat and "Anonymised" in flat


def test_without_a_unicode_font_characters_are_replaced_not_crashing(assessment, monkeypatch, tmp_path):
    monkeypatch.setenv(pdf_module.FONT_ENV, str(tmp_path / "no-such-font.ttf"))
    assert pdf_module.find_font() is None
    flat = _flat(_clinical(assessment, patient_label="Zoë 李 🩺"))
    assert "-2.7 SD" in flat and ">= 3 months" in flat and "1,000-1,200 mg" in flat
    assert "Zoë" in flat


def test_with_the_unicode_font_special_characters_survive():
    if pdf_module.find_font() is None:
        pytest.skip("no DejaVu Sans font on this machine; the fallback test covers this case")
    report = CaseReport(title="Unicode – check", created=CREATED, disclaimer="µ ≥ ≤ − ² 🦴",
                        results=[("T-score", "−2.7"), ("Dose", "µg")])
    flat = _flat(_text(build_case_report(report)))
    assert "Unicode – check" in flat and "µ ≥ ≤ − ²" in flat and "−2.7" in flat


@pytest.mark.parametrize("pixels", [np.zeros((4, 4, 2), np.uint8), np.zeros(5, np.uint8), "not an image"])
def test_bad_image_shape_raises_report_error(pixels):
    report = CaseReport(title="t", created=CREATED, disclaimer="d", images=[ReportImage("x", pixels)])
    with pytest.raises(ReportError, match="Got shape"):
        build_case_report(report)


@pytest.mark.parametrize(("text", "unicode_font", "expected"), [
    ("**Bold** 🩺 text", True, "Bold  text"),
    ("T ≥ −2.5 – µ", False, "T >= -2.5 - u"),
    ("李", False, "?"),
])
def test_plain_text_strips_markdown_and_emoji_and_falls_back(text, unicode_font, expected):
    assert plain_text(text, unicode_font) == expected


def test_anonymised_report_hides_ages_over_89_exact_bmi_and_the_day_in_the_pdf_metadata(assessment):
    assessment.patient.age, assessment.patient.bmi = 93.4, 22.66
    report = clinical_case_report(assessment, recommendations=[], disclaimer=DISCLAIMER, created=CREATED,
                                  anonymise=True)
    data = build_case_report(report)
    flat = _flat(_text(data))
    assert "90 or older" in flat and "93.4" not in flat and "93 years" not in flat and "90–94" not in flat
    assert "22.7" not in flat and "18.5–24.9 kg/m² (WHO class)" in flat
    created = str(PdfReader(io.BytesIO(data)).metadata.get("/CreationDate"))
    assert created.startswith("D:202611") and "20261125" not in created
