"""Issue 13: PDF reports carry the pages' warnings and say what each probability is of (items 5, 6, 8)."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from pypdf import PdfReader

from osteo_core.clinical.assess import ToolResult
from osteo_core.clinical.tools import TOOL_INFO
from osteo_core.imaging.bone_density import image_model_near_chance, image_model_warning
from osteo_core.report import build_case_report, clinical_case_report, density_case_report, knee_case_report
from osteo_core.report.wording import conformal_range_text, knee_accuracy_text

ROOT = Path(__file__).resolve().parents[2]
CREATED = dt.datetime(2026, 12, 2, 9, 0)
DENSITY_EVALUATION = json.loads((ROOT / "models" / "bone_density_knee" / "evaluation.json").read_text())
KNEE_EVALUATION = json.loads((ROOT / "models" / "knee_kl" / "evaluation.json").read_text())


def _flat(report) -> str:
    data = build_case_report(report)
    return " ".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())


def _density_prediction():
    view = np.zeros((32, 32), np.uint8)
    return SimpleNamespace(category="osteopenia", probabilities={"normal": 0.214, "osteopenia": 0.561,
                                                                  "osteoporosis": 0.225},
                           t_score=-1.64, t_interval=(-2.741, -0.539), interval_coverage=0.9, model_view=view)


def test_near_chance_is_read_from_the_evaluation_file():
    assert image_model_near_chance(DENSITY_EVALUATION)
    assert image_model_near_chance(None)
    good = {"comparison": {"image": {"auc_low_bone_mass": {"value": 0.85, "ci95_low": 0.78, "ci95_high": 0.9}}}}
    assert not image_model_near_chance(good)
    image = DENSITY_EVALUATION["comparison"]["image"]["auc_low_bone_mass"]
    warning = image_model_warning(DENSITY_EVALUATION)
    assert f"AUC {image['value']:.2f}" in warning and "close to uninformative" in warning


def _image_adds_evaluation() -> dict:
    """The shipped evaluation with fused − clinical above 0 (synthetic): the image adds beyond the clinical facts."""
    evaluation = copy.deepcopy(DENSITY_EVALUATION)
    evaluation["beyond_age"]["increments"]["fused minus clinical"]["auc_low_bone_mass_difference"].update(
        value=0.022, ci95_low=0.004, ci95_high=0.041)
    return evaluation


def _density_report(evaluation, clinical):
    prediction = _density_prediction()
    return density_case_report(prediction, np.dstack([prediction.model_view] * 3), model_version="v",
                               method="Grad-CAM", recommendations=[], disclaimer="d", evaluation=evaluation,
                               clinical=clinical, created=CREATED)


CLINICAL = SimpleNamespace(probability=0.153, t_score_estimate=-2.04, t_score_low=-2.9, t_score_high=-1.2)


def test_density_report_leads_with_the_warning_and_clinical_estimate_without_post_test():
    """When the image adds beyond the clinical facts: the image model's warning, the clinical estimate, the image."""
    report = _density_report(_image_adds_evaluation(), CLINICAL)
    labels = [label for label, _ in report.results]
    assert labels[0] == "How far to trust the image model"
    assert labels[1].startswith("Clinical model: probability that a hip DXA would show osteoporosis")
    assert labels[-2:] == ["Image model: estimated T-score (not validated)",
                           "Image model: probability a DXA would show each category (not validated)"]
    assert not any("research only" in label.lower() for label in labels)
    flat = _flat(report)
    auc = DENSITY_EVALUATION["comparison"]["image"]["auc_low_bone_mass"]["value"]
    assert f"AUC {auc:.2f}" in flat and "close to uninformative" in flat
    assert "15 %" in flat and "−2.0 SD (80 % interval −2.9 to −1.2 SD)" in flat
    assert "−1.6 SD (90 % interval −2.7 to −0.5 SD)" in flat
    assert "normal: 21 %, osteopenia: 56 %, osteoporosis: 22 %" in flat
    assert "after the image" not in flat and "Most likely category" not in flat
    assert "adds nothing measurable" not in flat


def test_when_the_image_adds_nothing_the_report_says_so_first_then_the_clinical_answer_then_research_rows():
    report = _density_report(DENSITY_EVALUATION, CLINICAL)
    labels = [label for label, _ in report.results]
    assert labels[0] == "What the image adds beyond the clinical facts"
    first = report.results[0][1]
    assert first.startswith("**The image adds nothing measurable beyond the clinical facts.**")
    fused = DENSITY_EVALUATION["comparison"]["fused"]["auc_low_bone_mass"]["value"]
    assert f"AUC {fused:.2f}" in first and "the clinical estimate from the patient's facts" in first
    assert labels[1].startswith("Clinical model: probability that a hip DXA would show osteoporosis")
    assert labels[2] == "Clinical model: estimated femoral-neck T-score"
    assert labels[3:] == ["Image model, research only: how far to trust it",
                          "Image model, research only: estimated T-score (not validated)",
                          "Image model, research only: probability a DXA would show each category (not validated)"]
    assert all(image.caption.startswith("Research only: ") for image in report.images)
    flat = _flat(report)
    assert flat.index("adds nothing measurable") < flat.index("15 %") < flat.index("−1.6 SD (90 % interval")
    assert "**" not in flat


def test_without_facts_or_evaluation_the_report_still_leads_with_the_unproven_image_and_asks_for_the_facts():
    report = _density_report(None, None)
    assert report.results[0][0] == "What the image adds beyond the clinical facts"
    assert report.results[0][1].startswith("**The image has not been shown to add anything")
    assert report.results[1] == ("Answer: clinical estimate from patient facts",
                                 "Not given: the answer needs the patient's age, sex, weight and height.")
    assert [label for label, _ in report.results][2:] == [
        "Image model, research only: how far to trust it",
        "Image model, research only: estimated T-score (not validated)",
        "Image model, research only: probability a DXA would show each category (not validated)"]


def test_the_density_report_order_follows_the_language():
    from osteo_core.i18n import use_language

    with use_language("es"):
        report = _density_report(DENSITY_EVALUATION, CLINICAL)
    assert report.results[0][0] == "Lo que aporta la imagen más allá de los datos clínicos"
    assert report.results[0][1].startswith("**La imagen no aporta nada medible")
    assert report.results[-1][0].startswith("Modelo de imagen, solo para investigación")


def test_knee_report_shows_measured_accuracy_from_the_evaluation_file():
    view = np.zeros((32, 32), np.uint8)
    prediction = SimpleNamespace(grade=2, grade_range=(1, 2), probabilities=np.array([.1, .3, .5, .08, .02]),
                                 model_view=view)
    report = knee_case_report(prediction, np.dstack([view] * 3), model_version="v", coverage=0.9, method="Grad-CAM",
                              recommendations=[], disclaimer="d", evaluation=KNEE_EVALUATION, created=CREATED)
    flat = _flat(report)
    test = KNEE_EVALUATION["test"]
    assert f"Measured on {test['n']:,} held-out test knees" in flat
    assert f"{100 * test['accuracy']:.0f} %" in flat and f"{test['qwk']:.2f}" in flat
    assert "For 90 % of knees like this one, the true grade lies in KL 1–2." in flat
    assert "confidence" not in flat


def test_conformal_and_accuracy_wording():
    assert conformal_range_text(0.9, 2, 2) == "For 90 % of knees like this one, the true grade lies in KL 2."
    assert knee_accuracy_text(None) is None


@pytest.fixture()
def assessment():
    patient = SimpleNamespace(age=45.0, sex="female", weight_kg=58.0, height_cm=160.0, bmi=22.66, race=None,
                              prior_fracture=False, parent_hip_fracture=None, glucocorticoids=False,
                              smoker_current=False, alcohol_drinks_per_day=None, menopause_status="premenopausal",
                              t_score=-2.7, who_note="WHO T-score categories are meant for ... Z-score ...")
    tools = [ToolResult(TOOL_INFO["ost"], None, None,
                        "not validated for this patient (OST was developed and validated in adults aged 50 or older)"),
             ToolResult(TOOL_INFO["orai"], 9.0, True, "")]
    return SimpleNamespace(patient=patient, probability=0.062, band="low", band_text="Low", tools=tools,
                           explanation=None, model_version="m", warnings=[],
                           who_category_text="Osteoporosis (T-score −2.5 or lower)",
                           t_score_estimate=-1.4, t_score_low=-2.2, t_score_high=-0.6)


def test_clinical_report_says_what_the_probability_is_of_and_puts_the_measured_dxa_first(assessment):
    report = clinical_case_report(assessment, recommendations=[], disclaimer="d", created=CREATED)
    labels = [label for label, _ in report.results]
    assert labels[0] == "Measured DXA T-score and WHO category"
    flat = _flat(report)
    assert "probability that a hip DXA would show osteoporosis" in flat and "diagnosed osteoporosis" not in flat
    assert "−1.4 SD (80 % interval −2.2 to −0.6 SD)" in flat and "not a DXA measurement" in flat
    assert "Z-score" in flat
    assert "not validated for this patient (OST" in flat and "not applicable: not validated" not in flat
    assert "Cadarette" in flat


def test_chart_titles_say_what_the_probability_is_of():
    from osteo_core.imaging.figures import density_probability_figure, kl_probability_figure, t_score_figure

    density = density_probability_figure({"normal": 0.2, "osteopenia": 0.5, "osteoporosis": 0.3})
    assert "probability that a DXA would show each category" in density.layout.title.text
    assert density.data[0].text == ("20 %", "50 %", "30 %")  # whole percent
    kl = kl_probability_figure([0.1, 0.2, 0.4, 0.2, 0.1], (1, 3), coverage=0.9)
    assert "probability that this knee has each KL grade" in kl.layout.title.text
    assert "not a DXA" in t_score_figure(-1.5, (-2.6, -0.4)).layout.title.text


def test_image_caveat_reads_the_patient_count_from_the_evaluation_file():
    from osteo_core.imaging.bone_density import image_model_caveat

    assert "trained on 57 patients" in image_model_caveat({"data": {"patients_with_image": 57}})
    assert "evaluation file missing" in image_model_caveat(None)
