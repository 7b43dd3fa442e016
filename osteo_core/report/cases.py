"""Case reports of the three result pages (clinical risk, knee staging, image screening), with an anonymise option.
Each carries the same warnings as its page, in the current language (numbers with its separators)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from osteo_core.i18n import N_, _, format_date, format_decimal, ngettext
from osteo_core.report.pdf import CaseReport, ReportImage
from osteo_core.report.wording import clinical_estimate_rows, conformal_range_text, knee_accuracy_text, percent, signed
from osteo_core.vocabulary import KL_DEFINITIONS, grade_range_text, kl_grade_label

ANONYMISED = N_("Anonymised")
# Values of the patient's facts → their words (English msgids, translated where shown).
SEX_TEXT = {"female": N_("female"), "male": N_("male")}
MENOPAUSE_TEXT = {"premenopausal": N_("premenopausal"), "perimenopausal": N_("perimenopausal"),
                  "postmenopausal": N_("postmenopausal"), "not_applicable": N_("not applicable")}
CATEGORY_TEXT = {"normal": N_("normal"), "osteopenia": N_("osteopenia"), "osteoporosis": N_("osteoporosis")}


def case_reference(*parts: Any) -> str:
    """A short, stable, non-identifying reference for a case (8 hex characters of a SHA-256 of ``parts``)."""
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:8].upper()


def _number(value: float) -> str:
    """``value`` as typed (``67``, ``58.5``; at most 2 decimals) with the language's separators."""
    value = float(value)
    for digits in (0, 1):
        if round(value, digits) == value:
            return format_decimal(value, digits)
    return format_decimal(value, 2)


def _word(value: Any, words: dict[str, str]) -> str:
    """A stored value (``"female"``) in words of the current language; unknown values as they are."""
    return _(words[value]) if value in words else str(value)


def _age_text(age: float, anonymise: bool) -> str:
    if not anonymise:
        return _("{age} years").format(age=_number(age))
    if age >= 90:  # HIPAA Safe Harbor: all ages over 89 fall into one group
        return _("90 or older")
    low = int(age // 5 * 5)
    return _("{low}–{high} years (5-year band)").format(low=low, high=low + 4)


def _bmi_text(bmi: float, anonymise: bool) -> str:
    """Exact BMI (kg/m²), or its WHO class when anonymised (an exact BMI would undo the rounded weight and height)."""
    if not anonymise:
        return f"{format_decimal(bmi, 1)} kg/m²"
    for limit, low in ((18.5, None), (25.0, 18.5), (30.0, 25.0)):
        if bmi < limit:
            if low is None:
                name = _("below {limit}").format(limit=format_decimal(limit, 1))
            else:
                name = f"{_number(low)}–{format_decimal(limit - 0.1, 1)}"
            return _("{range} kg/m² (WHO class)").format(range=name)
    return _("{limit} or more kg/m² (WHO class)").format(limit=_number(30))


def _drinks_text(drinks: float) -> str:
    """``"1 drink/day"``, ``"2 drinks/day"``, ``"1.5 drinks/day"`` (a fraction takes the plural)."""
    count = int(drinks) if float(drinks).is_integer() else 2
    return ngettext("{value} drink/day", "{value} drinks/day", count).format(value=_number(drinks))


def _signed(value: float) -> str:
    """One decimal with a true minus sign, e.g. ``"−2.7"``."""
    return signed(value)


def _yes_no(value: bool | None) -> str:
    return _("not given") if value is None else _("yes") if value else _("no")


def _identity(patient_label: str, anonymise: bool, reference: str) -> list[tuple[str, str]]:
    if anonymise:
        return [(_("Patient"), _("{anonymised} — case reference {reference}").format(anonymised=_(ANONYMISED),
                                                                                    reference=reference))]
    return [(_("Patient"), patient_label.strip() or _("not given")), (_("Case reference"), reference)]


def _created_text(created: dt.datetime, anonymise: bool, with_time: bool = False) -> str:
    if anonymise:
        return _("{month} (day removed)").format(month=f"{created:%Y-%m}")
    date = format_date(created)
    return _("{date} {time}").format(date=date, time=f"{created:%H:%M}") if with_time else date


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
    if anonymise:
        weight = _("{value} kg (rounded)").format(value=_number(5 * round(p.weight_kg / 5)))
        height = _("{value} cm (rounded)").format(value=_number(5 * round(p.height_cm / 5)))
    else:
        weight, height = f"{_number(p.weight_kg)} kg", f"{_number(p.height_cm)} cm"
    alcohol = _("not given") if p.alcohol_drinks_per_day is None else _drinks_text(p.alcohol_drinks_per_day)
    facts = _identity(patient_label, anonymise, reference) + [
        (_("Date of assessment"), _created_text(created, anonymise)),
        (_("Age"), _age_text(p.age, anonymise)), (_("Sex"), _word(p.sex, SEX_TEXT)), (_("Weight"), weight),
        (_("Height"), height), (_("Body-mass index"), _bmi_text(p.bmi, anonymise)),
        (_("Prior fracture"), _yes_no(p.prior_fracture)), (_("Parent hip fracture"), _yes_no(p.parent_hip_fracture)),
        (_("Glucocorticoids (≥ 3 months)"), _yes_no(p.glucocorticoids)),
        (_("Current smoking"), _yes_no(p.smoker_current)), (_("Alcohol"), alcohol),
        (_("Menopause status"), _word(p.menopause_status, MENOPAUSE_TEXT) if p.menopause_status else _("not given")),
    ]
    if p.race and not anonymise:
        from osteo_core.clinical.fields import RACE_LABELS

        facts.append((_("Race/ethnicity"), _(RACE_LABELS[p.race]) if p.race in RACE_LABELS else str(p.race)))
    results = []
    if assessment.who_category_text:  # a measured DXA comes first: it outranks every estimate
        who = _("{t_score} SD — {category}").format(t_score=_signed(p.t_score),
                                                     category=_(assessment.who_category_text))
        note = getattr(p, "who_note", None)
        results.append((_("Measured DXA T-score and WHO category"), f"{who}. {_(note)}" if note else who))
    results += clinical_estimate_rows(assessment, decimals=1)
    results.append((_("Risk band"), _(assessment.band_text)))
    tools = []
    for tool in assessment.tools:
        if tool.score is None:
            reason = _(tool.reason)
            if not tool.reason.startswith("not validated"):
                reason = _("not applicable: {reason}").format(reason=reason)
            tools.append((tool.info.name, reason))
        else:
            verdict = _("refer / consider DXA") if tool.flagged else _("below the referral cut-off")
            source = getattr(tool.info, "cutoff_source", "")
            cutoff = _("cut-off {cutoff}; source: {source}") if source else _("cut-off {cutoff}")
            cutoff = cutoff.format(cutoff=_(tool.info.cutoff), source=source)
            tools.append((tool.info.name, _("score {score} ({verdict}; {cutoff})").format(
                score=_number(tool.score).replace("-", "−"), verdict=verdict, cutoff=cutoff)))
    factors = []
    if assessment.explanation is not None:
        from osteo_core.explain.shap_risk import feature_label

        shown = dict(assessment.explanation.display_values.items())
        if anonymise:  # the factor values must not undo the coarsening above
            shown.update(age=_age_text(p.age, True), weight_kg=weight, height_cm=height)
        for feature, value in assessment.explanation.top(top_factors).items():
            points = ("+" if value >= 0 else "−") + format_decimal(abs(100 * value), 1)
            effect = _("{points} percentage points").format(points=points)
            factors.append((_(feature_label(feature)), f"{_(str(shown.get(feature, '')))}: {effect}"))
    return CaseReport(
        title=_("Osteoporosis clinical risk — case report"), created=created, disclaimer=disclaimer,
        date_label=_created_text(created, anonymise, with_time=True), anonymised=anonymise,
        patient_facts=facts, results=results, tools=tools, factors=factors, recommendations=recommendations,
        model_versions={_("Clinical risk model"): assessment.model_version},
        notes=[_(warning) for warning in assessment.warnings],
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
    facts = _identity(patient_label, anonymise, reference) + [
        (_("Date of assessment"), _created_text(created, anonymise))]
    if file_name and not anonymise:
        facts.append((_("Image file"), file_name))
    accuracy = knee_accuracy_text(evaluation)
    results = [
        (_("Kellgren–Lawrence grade"), _(kl_grade_label(prediction.grade))),
        (_("Measured accuracy of the model"), accuracy or _("not available (the evaluation file is missing)")),
        (_("What it means"), _(KL_DEFINITIONS[prediction.grade])),
        (_("Grade range ({coverage} of knees)").format(coverage=percent(coverage)),
         f"{grade_range_text(low, high)}. " + conformal_range_text(coverage, low, high)),
        (_("Model's probability of each grade for this knee"), ", ".join(
            f"KL {g}: {percent(float(p))}" for g, p in enumerate(prediction.probabilities))),
    ]
    images = [ReportImage(_("The image as the model saw it (resized and padded)"), prediction.model_view),
              ReportImage(_("{method} for KL {grade}: warm colours pushed that grade up; not a lesion finding").format(
                  method=method, grade=prediction.grade), overlay)]
    return CaseReport(
        title=_("Knee osteoarthritis (Kellgren–Lawrence) — case report"), created=created, disclaimer=disclaimer,
        date_label=_created_text(created, anonymise, with_time=True), anonymised=anonymise,
        patient_facts=facts, results=results, images=images, recommendations=recommendations,
        model_versions={_("Knee KL model"): model_version},
    )


def density_case_report(prediction: Any, overlay: Any, *, model_version: str, method: str,
                        recommendations: list[Any], disclaimer: str, evaluation: dict[str, Any] | None = None,
                        clinical: Any = None, anonymise: bool = False, patient_label: str = "",
                        file_name: str = "", created: dt.datetime | None = None) -> CaseReport:
    """Report of a :class:`~osteo_core.imaging.bone_density.DensityPrediction`, in the page's order.

    When the image adds nothing measurable beyond the clinical facts (``image_adds_beyond_clinical`` on
    ``evaluation``; also when it is missing): that message first (the numbers from ``evaluation``), then the clinical
    estimate as the answer (``clinical``, a :class:`~osteo_core.clinical.assess.RiskAssessment`, or a row saying it
    needs the facts), then the image model's rows, each labelled research only. Otherwise: the image model's warning
    (its cross-validated AUC and, when near chance, "close to uninformative"), the clinical estimate when facts were
    given, then the image estimate. The image estimate is the T-score (SD) with its interval on one line and the
    probabilities in whole percent; then the model's view and the ``overlay``, recommendations and model version.
    ``anonymise`` as in :func:`knee_case_report`. No post-test probability is computed from the image model."""
    from osteo_core.imaging.bone_density import (
        image_adds_beyond_clinical,
        image_adds_nothing_message,
        image_model_warning,
    )

    created = created or dt.datetime.now()
    reference = case_reference(prediction.category, round(prediction.t_score, 3), created.isoformat())
    facts = _identity(patient_label, anonymise, reference) + [
        (_("Date of assessment"), _created_text(created, anonymise))]
    if file_name and not anonymise:
        facts.append((_("Image file"), file_name))
    warning = _(image_model_warning(evaluation))
    low, high = prediction.t_interval
    t_score = _("{estimate} SD ({coverage} interval {low} to {high} SD); not a DXA measurement").format(
        estimate=signed(prediction.t_score), coverage=percent(prediction.interval_coverage), low=signed(low),
        high=signed(high))
    probabilities = ", ".join(f"{_word(name, CATEGORY_TEXT)}: {percent(p)}"
                              for name, p in prediction.probabilities.items())
    view_caption = _("The image as the model saw it (resized and padded)")
    cam_caption = _("{method} for '{category}': where the model looked, not a finding").format(
        method=method, category=_word(prediction.category, CATEGORY_TEXT))
    if image_adds_beyond_clinical(evaluation):
        results = [(_("How far to trust the image model"), warning)]
        if clinical is not None:
            results += clinical_estimate_rows(clinical)
        results += [
            (_("Image model: estimated T-score (not validated)"), t_score),
            (_("Image model: probability a DXA would show each category (not validated)"), probabilities),
        ]
    else:  # the clinical estimate is the answer; the image model's output is for research only
        results = [(_("What the image adds beyond the clinical facts"), image_adds_nothing_message(evaluation))]
        results += clinical_estimate_rows(clinical) if clinical is not None else [
            (_("Answer: clinical estimate from patient facts"),
             _("Not given: the answer needs the patient's age, sex, weight and height."))]
        results += [
            (_("Image model, research only: how far to trust it"), warning),
            (_("Image model, research only: estimated T-score (not validated)"), t_score),
            (_("Image model, research only: probability a DXA would show each category (not validated)"),
             probabilities),
        ]
        view_caption = _("Research only: {caption}").format(caption=view_caption)
        cam_caption = _("Research only: {caption}").format(caption=cam_caption)
    images = [ReportImage(view_caption, prediction.model_view), ReportImage(cam_caption, overlay)]
    return CaseReport(
        title=_("Bone density from a knee radiograph — case report"), created=created, disclaimer=disclaimer,
        date_label=_created_text(created, anonymise, with_time=True), anonymised=anonymise,
        patient_facts=facts, results=results, images=images, recommendations=recommendations,
        model_versions={_("Knee bone-density model"): model_version},
        notes=[warning, _("Research-grade image model, not validated elsewhere; only DXA measures bone density. "
                          "Never use it to rule out low bone density.")],
    )
