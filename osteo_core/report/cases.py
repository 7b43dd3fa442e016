"""Case reports of the three result pages (clinical risk, knee staging, image screening), with an anonymise option.
Each carries the same warnings as its page."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from osteo_core.report.pdf import CaseReport, ReportImage
from osteo_core.report.wording import clinical_estimate_rows, conformal_range_text, knee_accuracy_text, percent, signed
from osteo_core.vocabulary import KL_DEFINITIONS, grade_range_text, kl_grade_label

ANONYMISED = "Anonymised"


def case_reference(*parts: Any) -> str:
    """A short, stable, non-identifying reference for a case (8 hex characters of a SHA-256 of ``parts``)."""
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:8].upper()


def _age_text(age: float, anonymise: bool) -> str:
    if not anonymise:
        return f"{age:g} years"
    if age >= 90:  # HIPAA Safe Harbor: all ages over 89 fall into one group
        return "90 or older"
    low = int(age // 5 * 5)
    return f"{low}–{low + 4} years (5-year band)"


def _bmi_text(bmi: float, anonymise: bool) -> str:
    """Exact BMI (kg/m²), or its WHO class when anonymised (an exact BMI would undo the rounded weight and height)."""
    if not anonymise:
        return f"{bmi:.1f} kg/m²"
    for limit, name in ((18.5, "below 18.5"), (25.0, "18.5–24.9"), (30.0, "25–29.9")):
        if bmi < limit:
            return f"{name} kg/m² (WHO class)"
    return "30 or more kg/m² (WHO class)"


def _signed(value: float) -> str:
    """One decimal with a true minus sign, e.g. ``"−2.7"``."""
    return signed(value)


def _yes_no(value: bool | None) -> str:
    return "not given" if value is None else "yes" if value else "no"


def _identity(patient_label: str, anonymise: bool, reference: str) -> list[tuple[str, str]]:
    if anonymise:
        return [("Patient", f"{ANONYMISED} — case reference {reference}")]
    return [("Patient", patient_label.strip() or "not given"), ("Case reference", reference)]


def _created_text(created: dt.datetime, anonymise: bool, with_time: bool = False) -> str:
    if anonymise:
        return f"{created:%Y-%m} (day removed)"
    return f"{created:%Y-%m-%d %H:%M}" if with_time else f"{created:%Y-%m-%d}"


def clinical_case_report(assessment: Any, *, recommendations: list[Any], anonymise: bool = False,
                         patient_label: str = "", disclaimer: str, created: dt.datetime | None = None,
                         top_factors: int = 5) -> CaseReport:
    """Report of a :class:`~osteo_core.clinical.assess.RiskAssessment`: facts, the estimated probability that a hip
    DXA would show osteoporosis and its band, the estimated T-score with its interval when the model gives one, the
    measured DXA T-score and WHO category (which outranks any estimate), tools with the source of each cut-off, top
    SHAP factors (percentage points), recommendations and model version.

    ``anonymise`` drops the name/ID, race and the day of the date, shows age as a 5-year band and rounds weight and
    height to 5 kg / 5 cm.
    """
    created = created or dt.datetime.now()
    p = assessment.patient
    reference = case_reference(p.age, p.sex, p.weight_kg, p.height_cm, assessment.probability, created.isoformat())
    weight = f"{5 * round(p.weight_kg / 5):g} kg (rounded)" if anonymise else f"{p.weight_kg:g} kg"
    height = f"{5 * round(p.height_cm / 5):g} cm (rounded)" if anonymise else f"{p.height_cm:g} cm"
    facts = _identity(patient_label, anonymise, reference) + [
        ("Date of assessment", _created_text(created, anonymise)),
        ("Age", _age_text(p.age, anonymise)), ("Sex", p.sex), ("Weight", weight), ("Height", height),
        ("Body-mass index", _bmi_text(p.bmi, anonymise)),
        ("Prior fracture", _yes_no(p.prior_fracture)), ("Parent hip fracture", _yes_no(p.parent_hip_fracture)),
        ("Glucocorticoids (≥ 3 months)", _yes_no(p.glucocorticoids)), ("Current smoking", _yes_no(p.smoker_current)),
        ("Alcohol", "not given" if p.alcohol_drinks_per_day is None else f"{p.alcohol_drinks_per_day:g} drinks/day"),
        ("Menopause status", p.menopause_status or "not given"),
    ]
    if p.race and not anonymise:
        facts.append(("Race/ethnicity", p.race))
    results = []
    if assessment.who_category_text:  # a measured DXA comes first: it outranks every estimate
        who = f"{_signed(p.t_score)} SD — {assessment.who_category_text}"
        note = getattr(p, "who_note", None)
        results.append(("Measured DXA T-score and WHO category", f"{who}. {note}" if note else who))
    results += clinical_estimate_rows(assessment, decimals=1)
    results.append(("Risk band", assessment.band_text))
    tools = []
    for tool in assessment.tools:
        if tool.score is None:
            reason = tool.reason if tool.reason.startswith("not validated") else f"not applicable: {tool.reason}"
            tools.append((tool.info.name, reason))
        else:
            verdict = "refer / consider DXA" if tool.flagged else "below the referral cut-off"
            score = f"{tool.score:g}".replace("-", "−")
            source = getattr(tool.info, "cutoff_source", "")
            cutoff = f"cut-off {tool.info.cutoff}" + (f"; source: {source}" if source else "")
            tools.append((tool.info.name, f"score {score} ({verdict}; {cutoff})"))
    factors = []
    if assessment.explanation is not None:
        from osteo_core.explain.shap_risk import feature_label

        shown = dict(assessment.explanation.display_values.items())
        if anonymise:  # the factor values must not undo the coarsening above
            shown.update(age=_age_text(p.age, True), weight_kg=weight, height_cm=height)
        for feature, value in assessment.explanation.top(top_factors).items():
            effect = f"{100 * value:+.1f} percentage points"
            factors.append((feature_label(feature), f"{shown.get(feature, '')}: {effect}"))
    return CaseReport(
        title="Osteoporosis clinical risk — case report", created=created, disclaimer=disclaimer,
        date_label=_created_text(created, anonymise, with_time=True), anonymised=anonymise,
        patient_facts=facts, results=results, tools=tools, factors=factors, recommendations=recommendations,
        model_versions={"Clinical risk model": assessment.model_version}, notes=list(assessment.warnings),
    )


def knee_case_report(prediction: Any, overlay: Any, *, model_version: str, coverage: float, method: str,
                     recommendations: list[Any], disclaimer: str, anonymise: bool = False, patient_label: str = "",
                     file_name: str = "", created: dt.datetime | None = None,
                     evaluation: dict[str, Any] | None = None) -> CaseReport:
    """Report of a :class:`~osteo_core.imaging.knee_grader.KneePrediction`: grade with the model's measured accuracy
    (from ``evaluation``, the knee model's ``evaluation.json``), conformal range, probabilities per grade, the
    model's view and the ``overlay`` (RGB uint8 heatmap image), recommendations and model version.

    ``anonymise`` drops the name/ID, the file name and the day of the date. ``coverage`` is 0–1.
    """
    created = created or dt.datetime.now()
    low, high = prediction.grade_range
    reference = case_reference(prediction.grade, tuple(round(float(p), 4) for p in prediction.probabilities),
                               created.isoformat())
    facts = _identity(patient_label, anonymise, reference) + [("Date of assessment", _created_text(created, anonymise))]
    if file_name and not anonymise:
        facts.append(("Image file", file_name))
    accuracy = knee_accuracy_text(evaluation)
    results = [
        ("Kellgren–Lawrence grade", kl_grade_label(prediction.grade)),
        ("Measured accuracy of the model", accuracy or "not available (the evaluation file is missing)"),
        ("What it means", KL_DEFINITIONS[prediction.grade]),
        (f"Grade range ({100 * coverage:.0f} % of knees)", f"{grade_range_text(low, high)}. "
                                                           + conformal_range_text(coverage, low, high)),
        ("Model's probability of each grade for this knee", ", ".join(
            f"KL {g}: {percent(float(p))}" for g, p in enumerate(prediction.probabilities))),
    ]
    images = [ReportImage("The image as the model saw it (resized and padded)", prediction.model_view),
              ReportImage(f"{method} for KL {prediction.grade}: warm colours pushed that grade up; not a lesion "
                          "finding", overlay)]
    return CaseReport(
        title="Knee osteoarthritis (Kellgren–Lawrence) — case report", created=created, disclaimer=disclaimer,
        date_label=_created_text(created, anonymise, with_time=True), anonymised=anonymise,
        patient_facts=facts, results=results, images=images, recommendations=recommendations,
        model_versions={"Knee KL model": model_version},
    )


def density_case_report(prediction: Any, overlay: Any, *, model_version: str, method: str,
                        recommendations: list[Any], disclaimer: str, evaluation: dict[str, Any] | None = None,
                        clinical: Any = None, anonymise: bool = False, patient_label: str = "",
                        file_name: str = "", created: dt.datetime | None = None) -> CaseReport:
    """Report of a :class:`~osteo_core.imaging.bone_density.DensityPrediction`, led by the same warning as the page
    (the image model's cross-validated AUC from ``evaluation`` and, when near chance, "close to uninformative") and
    the clinical estimate (``clinical``, a :class:`~osteo_core.clinical.assess.RiskAssessment`, when facts were
    given); then the image estimate: T-score (SD) with its interval on one line, probabilities in whole percent, the
    model's view and the ``overlay``, recommendations and model version. ``anonymise`` as in
    :func:`knee_case_report`. No post-test probability is computed from the image model."""
    from osteo_core.imaging.bone_density import image_model_warning

    created = created or dt.datetime.now()
    reference = case_reference(prediction.category, round(prediction.t_score, 3), created.isoformat())
    facts = _identity(patient_label, anonymise, reference) + [("Date of assessment", _created_text(created, anonymise))]
    if file_name and not anonymise:
        facts.append(("Image file", file_name))
    warning = image_model_warning(evaluation)
    low, high = prediction.t_interval
    results = [("How far to trust the image model", warning)]
    if clinical is not None:
        results += clinical_estimate_rows(clinical)
    results += [
        ("Image model: estimated T-score (not validated)",
         f"{signed(prediction.t_score)} SD ({percent(prediction.interval_coverage)} interval {signed(low)} to "
         f"{signed(high)} SD); not a DXA measurement"),
        ("Image model: probability a DXA would show each category (not validated)",
         ", ".join(f"{name}: {percent(p)}" for name, p in prediction.probabilities.items())),
    ]
    images = [ReportImage("The image as the model saw it (resized and padded)", prediction.model_view),
              ReportImage(f"{method} for '{prediction.category}': where the model looked, not a finding", overlay)]
    return CaseReport(
        title="Bone density from a knee radiograph — case report", created=created, disclaimer=disclaimer,
        date_label=_created_text(created, anonymise, with_time=True), anonymised=anonymise,
        patient_facts=facts, results=results, images=images, recommendations=recommendations,
        model_versions={"Knee bone-density model": model_version},
        notes=[warning, "Research-grade image model, not validated elsewhere; only DXA measures bone density. "
                        "Never use it to rule out low bone density."],
    )
