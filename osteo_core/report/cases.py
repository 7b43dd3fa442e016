"""Case reports of the two result pages (clinical risk, knee staging), with an anonymise option."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from osteo_core.report.pdf import CaseReport, ReportImage

ANONYMISED = "Anonymised"


def case_reference(*parts: Any) -> str:
    """A short, stable, non-identifying reference for a case (8 hex characters of a SHA-256 of ``parts``)."""
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:8].upper()


def _age_text(age: float, anonymise: bool) -> str:
    if not anonymise:
        return f"{age:g} years"
    low = int(age // 5 * 5)
    return f"{low}–{low + 4} years (5-year band)"


def _signed(value: float) -> str:
    """One decimal with a true minus sign, e.g. ``"−2.7"``."""
    return f"{value:.1f}".replace("-", "−")


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
    """Report of a :class:`~osteo_core.clinical.assess.RiskAssessment`: facts, probability and band, WHO category,
    tools, top SHAP factors (percentage points), recommendations and model version.

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
        ("Body-mass index", f"{p.bmi:.1f} kg/m²"),
        ("Prior fracture", _yes_no(p.prior_fracture)), ("Parent hip fracture", _yes_no(p.parent_hip_fracture)),
        ("Glucocorticoids (≥ 3 months)", _yes_no(p.glucocorticoids)), ("Current smoking", _yes_no(p.smoker_current)),
        ("Alcohol", "not given" if p.alcohol_drinks_per_day is None else f"{p.alcohol_drinks_per_day:g} drinks/day"),
        ("Menopause status", p.menopause_status or "not given"),
    ]
    if p.race and not anonymise:
        facts.append(("Race/ethnicity", p.race))
    results = [
        ("Estimated probability of a diagnosed osteoporosis", f"{100 * assessment.probability:.1f} %"),
        ("Risk band", assessment.band_text),
    ]
    if assessment.who_category_text:
        results.append(("DXA T-score and WHO category", f"{_signed(p.t_score)} SD — {assessment.who_category_text}"))
    tools = []
    for tool in assessment.tools:
        if tool.score is None:
            tools.append((tool.info.name, f"not applicable: {tool.reason}"))
        else:
            verdict = "refer / consider DXA" if tool.flagged else "below the referral cut-off"
            score = f"{tool.score:g}".replace("-", "−")
            tools.append((tool.info.name, f"score {score} ({verdict}; cut-off {tool.info.cutoff})"))
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
        date_label=_created_text(created, anonymise, with_time=True),
        patient_facts=facts, results=results, tools=tools, factors=factors, recommendations=recommendations,
        model_versions={"Clinical risk model": assessment.model_version}, notes=list(assessment.warnings),
    )


def knee_case_report(prediction: Any, overlay: Any, *, model_version: str, coverage: float, method: str,
                     recommendations: list[Any], disclaimer: str, anonymise: bool = False, patient_label: str = "",
                     file_name: str = "", created: dt.datetime | None = None) -> CaseReport:
    """Report of a :class:`~osteo_core.imaging.knee_grader.KneePrediction`: grade, conformal range, probabilities
    per grade, the model's view and the ``overlay`` (RGB uint8 heatmap image), recommendations and model version.

    ``anonymise`` drops the name/ID, the file name and the day of the date. ``coverage`` is 0–1.
    """
    from osteo_core.imaging.kl_model import KL_DEFINITIONS, KL_NAMES

    created = created or dt.datetime.now()
    low, high = prediction.grade_range
    reference = case_reference(prediction.grade, tuple(round(float(p), 4) for p in prediction.probabilities),
                               created.isoformat())
    facts = _identity(patient_label, anonymise, reference) + [("Date of assessment", _created_text(created, anonymise))]
    if file_name and not anonymise:
        facts.append(("Image file", file_name))
    grades = f"KL {low}" if low == high else f"KL {low}–{high}"
    results = [
        ("Kellgren–Lawrence grade", f"KL {prediction.grade} — {KL_NAMES[prediction.grade]}"),
        ("What it means", KL_DEFINITIONS[prediction.grade]),
        (f"Grade range ({100 * coverage:.0f} % confidence)", grades),
        ("Probability per grade", ", ".join(f"KL {g}: {100 * float(p):.0f} %"
                                            for g, p in enumerate(prediction.probabilities))),
    ]
    images = [ReportImage("The image as the model saw it (resized and padded)", prediction.model_view),
              ReportImage(f"{method} for KL {prediction.grade}: warm colours pushed that grade up; not a lesion "
                          "finding", overlay)]
    return CaseReport(
        title="Knee osteoarthritis (Kellgren–Lawrence) — case report", created=created, disclaimer=disclaimer,
        date_label=_created_text(created, anonymise, with_time=True),
        patient_facts=facts, results=results, images=images, recommendations=recommendations,
        model_versions={"Knee KL model": model_version}, notes=list(prediction.warnings),
    )


def density_case_report(prediction: Any, overlay: Any, *, model_version: str, method: str,
                        recommendations: list[Any], disclaimer: str, post_test: tuple[float, float] | None = None,
                        anonymise: bool = False, patient_label: str = "", file_name: str = "",
                        created: dt.datetime | None = None) -> CaseReport:
    """Report of a :class:`~osteo_core.imaging.bone_density.DensityPrediction`: category probabilities, the
    estimated T-score (SD) with its interval, the pre/post-test probabilities (0–1) when given, the model's view
    and the ``overlay``, recommendations and model version. ``anonymise`` as in :func:`knee_case_report`."""
    created = created or dt.datetime.now()
    reference = case_reference(prediction.category, round(prediction.t_score, 3), created.isoformat())
    facts = _identity(patient_label, anonymise, reference) + [("Date of assessment", _created_text(created, anonymise))]
    if file_name and not anonymise:
        facts.append(("Image file", file_name))
    low, high = prediction.t_interval
    results = [
        ("Most likely category (image model)", prediction.category),
        ("Probability per category", ", ".join(f"{name}: {100 * p:.0f} %"
                                               for name, p in prediction.probabilities.items())),
        ("Estimated T-score", f"{prediction.t_score:.1f} SD ({100 * prediction.interval_coverage:.0f} % interval "
                              f"{low:.1f} to {high:.1f} SD); not a DXA measurement"),
    ]
    if post_test is not None:
        results.append(("Probability of osteoporosis", f"{100 * post_test[0]:.1f} % from clinical facts, "
                                                       f"{100 * post_test[1]:.1f} % after the image"))
    images = [ReportImage("The image as the model saw it (resized and padded)", prediction.model_view),
              ReportImage(f"{method} for '{prediction.category}': where the model looked, not a finding", overlay)]
    return CaseReport(
        title="Bone density from a knee radiograph — case report", created=created, disclaimer=disclaimer,
        date_label=_created_text(created, anonymise, with_time=True),
        patient_facts=facts, results=results, images=images, recommendations=recommendations,
        model_versions={"Knee bone-density model": model_version},
        notes=["Research-grade image model trained on 210 patients; confirm with DXA before any decision."],
    )
