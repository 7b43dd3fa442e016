"""Assess one patient: model probability and band, screening tools side by side, SHAP explanation."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from osteo_core.clinical.features import model_inputs
from osteo_core.clinical.patient import WHO_CATEGORY_TEXT, Patient, WhoCategory
from osteo_core.clinical.risk_model import RISK_BAND_TEXT, RiskModel, load_risk_model
from osteo_core.clinical.tools import TOOL_INFO, TOOLS, ToolInfo
from osteo_core.clinical.validate import validate_frame
from osteo_core.explain.shap_risk import RiskExplanation, explain_risk
from osteo_core.i18n import N_, _

# The optional facts named in the "not given" warning, as the warning writes them (translated where used).
UNKNOWN_FACT_NAMES = {
    "prior_fracture": N_("prior fracture"), "parent_hip_fracture": N_("parent hip fracture"),
    "glucocorticoids": N_("glucocorticoids"), "smoker_current": N_("smoker current"),
    "alcohol_drinks_per_day": N_("alcohol drinks per day"),
}


@dataclass(frozen=True)
class ToolResult:
    """One screening tool for one patient. ``score`` and ``flagged`` are ``None`` when it does not apply or an
    input is unknown; ``reason`` then says why (in the language current when it was computed). ``outside`` is True
    when the patient is outside the population the tool was validated in (``None``: not recorded, see
    :attr:`outside_population`)."""

    info: ToolInfo
    score: float | None
    flagged: bool | None
    reason: str
    outside: bool | None = None

    @property
    def applicable(self) -> bool:
        return self.score is not None

    @property
    def outside_population(self) -> bool:
        """True when the tool was not validated for this patient (rather than missing an input); use this, not
        the wording of ``reason``, which follows the language."""
        if self.outside is not None:
            return self.outside
        return self.reason.startswith("not validated")

    @property
    def meaning(self) -> str:
        """What the result means, in the current language."""
        if self.flagged is None:
            return self.reason
        return _(self.info.meaning_flagged if self.flagged else self.info.meaning_not_flagged)


@dataclass(frozen=True)
class RiskAssessment:
    """Everything the Clinical Risk page shows. ``probability`` (0–1) is the estimated chance that a hip DXA would
    show osteoporosis; ``t_score_estimate`` is the estimated femoral-neck T-score (SD) with its 80 % prediction
    interval ``t_score_low``–``t_score_high``. Estimates, not a diagnosis."""

    patient: Patient
    probability: float
    band: str
    band_text: str
    tools: list[ToolResult]
    explanation: RiskExplanation | None
    model_version: str
    warnings: list[str] = field(default_factory=list)
    t_score_estimate: float | None = None
    t_score_low: float | None = None
    t_score_high: float | None = None

    @property
    def who_category(self) -> WhoCategory | None:
        return self.patient.who_category

    @property
    def who_category_text(self) -> str | None:
        """The WHO category of the measured T-score in words, in the current language (``None`` without one)."""
        category = self.who_category
        return None if category is None else _(WHO_CATEGORY_TEXT[category])


def screening_tools(patient: Patient) -> list[ToolResult]:
    """OST, ORAI and SCORE for one patient."""
    values = validate_frame(patient.to_frame()).values
    results = []
    for key, tool in TOOLS.items():
        scores = tool(values)
        score = scores.score.iloc[0]
        flag = scores.flag.iloc[0]
        results.append(ToolResult(
            info=TOOL_INFO[key],
            score=None if math.isnan(score) else float(score),
            flagged=None if math.isnan(flag) else bool(flag),
            reason=str(scores.reason.iloc[0]),
            outside=bool(scores.outside.iloc[0]) if scores.outside is not None else None,
        ))
    return results


def assess_patient(patient: Patient, model: RiskModel | None = None, explain: bool = True) -> RiskAssessment:
    """Score one validated patient with the shipped model (or ``model``), the screening tools and SHAP.

    Raises :class:`osteo_core.errors.ModelLoadError` when the shipped model cannot be loaded.
    """
    model = model or load_risk_model()
    inputs = model_inputs(validate_frame(patient.to_frame()).values)
    probability = float(model.predict(inputs)[0])
    t_score = model.predict_t_score(inputs)
    band = str(model.risk_band(probability)[0])
    unknown = [name for name in ("prior_fracture", "parent_hip_fracture", "glucocorticoids", "smoker_current",
                                 "alcohol_drinks_per_day") if getattr(patient, name) is None]
    warnings = age_warnings(patient.age, model)
    if unknown:
        warnings.append(_("Not given, so the training average was used: {facts}.").format(
            facts=", ".join(_(UNKNOWN_FACT_NAMES[name]) for name in unknown)))
    explanation = explain_risk(model, inputs)[0] if explain else None
    return RiskAssessment(
        patient=patient, probability=probability, band=band, band_text=_(RISK_BAND_TEXT[band]),
        tools=screening_tools(patient), explanation=explanation, model_version=model.version, warnings=warnings,
        t_score_estimate=float(t_score.estimate[0]), t_score_low=float(t_score.low[0]),
        t_score_high=float(t_score.high[0]),
    )


def age_warnings(age: float, model: RiskModel) -> list[str]:
    """Plain warnings, in the current language, when ``age`` (years) is outside the ages the model is meant for
    (50–80 by default)."""
    low, high = model.metadata.get("training_age_range", (40, 80))
    intended_low = model.metadata.get("intended_age", (50, 80))[0]
    if not low <= age <= high:
        return [_("This age is outside the ages with DXA scans in the training data ({low}–{high} years): the "
                  "estimate is an extrapolation and should not be relied on.").format(low=f"{low:g}", high=f"{high:g}")]
    if age < intended_low:
        return [_("The model is meant for adults aged {age} or older. Under {age} it rests on fewer scans (one survey "
                  "cycle scanned from age 40), and WHO T-score categories apply only to postmenopausal women and men "
                  "aged 50+.").format(age=f"{intended_low:g}")]
    return []
