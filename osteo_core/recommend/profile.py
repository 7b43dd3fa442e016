"""The facts a recommendation is chosen from: bone-density category, risk band, KL grade and patient factors.

Precedence: a measured DXA always outranks any model estimate. The rules read the DXA T-score and category; the
clinical model's estimated T-score is carried, with its interval, only to be shown as an estimate.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

from osteo_core.clinical.who import WHO_CATEGORIES, who_applicability_note
from osteo_core.errors import InputValidationError
from osteo_core.i18n import N_, _, format_decimal
from osteo_core.vocabulary import KL_GRADES

BONE_CATEGORIES = WHO_CATEGORIES
BONE_SOURCES = ("dxa", "image_bone_density")
SOURCE_RANK = {"dxa": 1, "image_bone_density": 0}  # a measured DXA outranks any model estimate
# English msgids, translated where shown (``_(SOURCE_TEXT[source])``).
SOURCE_TEXT = {"dxa": N_("DXA (measured)"), "image_bone_density": N_("image model (an estimate; not validated)")}
CLINICAL_MODEL_SOURCE = N_("clinical model (an estimate, not a diagnosis)")
CATEGORY_TEXT = {"normal": N_("normal"), "osteopenia": N_("osteopenia"), "osteoporosis": N_("osteoporosis")}
BAND_TEXT = {"low": N_("low"), "moderate": N_("moderate"), "high": N_("high")}
RISK_BANDS = ("low", "moderate", "high")
SEXES = ("female", "male")
VERY_LOW_T_SCORE = -3.0  # SD; AACE 2020 names "very low T-score (e.g., less than −3.0)" among very-high-risk features

_CHOICES: dict[str, tuple[Any, ...]] = {
    "bone_category": BONE_CATEGORIES, "bone_source": BONE_SOURCES, "risk_band": RISK_BANDS, "sex": SEXES,
    "kl_grade": KL_GRADES,
}
_FLAGS = ("postmenopausal", "prior_fracture", "recent_fracture", "multiple_fractures", "glucocorticoids", "falls",
          "smoker", "knee_symptoms", "risk_tool_flagged")
_RANGES = {"age": (18.0, 110.0, N_("years")), "alcohol_drinks_per_day": (0.0, 30.0, N_("drinks/day")),
           "t_score": (-7.0, 5.0, "SD"), "t_score_estimate": (-7.0, 5.0, "SD"),
           "t_score_estimate_low": (-9.0, 7.0, "SD"), "t_score_estimate_high": (-9.0, 7.0, "SD")}


@dataclass(frozen=True)
class Profile:
    """One person's facts for the rules; every field is optional (``None`` = not given).

    ``bone_category`` is a WHO category from a DXA T-score (``bone_source="dxa"``) or from an image-based
    bone-density estimate (``bone_source="image_bone_density"``); ``t_score`` is a measured DXA T-score only.
    ``t_score_estimate`` (with its interval ``t_score_estimate_low``–``t_score_estimate_high``) is the clinical
    model's estimate: shown, never used by a rule. ``risk_band`` is the clinical model's band of the probability
    that a hip DXA would show osteoporosis. ``risk_tool_flagged`` is true when a validated screening tool (OST, ORAI
    or SCORE) flags increased risk, false when one was computed and none flags. ``recent_fracture`` means a fracture
    in the past 12 months, ``multiple_fractures`` two or more fragility fractures, ``falls`` a fall in the past 12
    months, ``knee_symptoms`` knee pain, stiffness or loss of function. Units: age years, alcohol drinks/day,
    T-scores SD. Raises :class:`InputValidationError` for values outside the choices or ranges.
    """

    bone_category: str | None = None
    bone_source: str | None = None
    t_score: float | None = None
    risk_band: str | None = None
    kl_grade: int | None = None
    knee_symptoms: bool | None = None
    age: float | None = None
    sex: str | None = None
    postmenopausal: bool | None = None
    prior_fracture: bool | None = None
    glucocorticoids: bool | None = None
    falls: bool | None = None
    smoker: bool | None = None
    alcohol_drinks_per_day: float | None = None
    recent_fracture: bool | None = None
    multiple_fractures: bool | None = None
    risk_tool_flagged: bool | None = None
    t_score_estimate: float | None = None
    t_score_estimate_low: float | None = None
    t_score_estimate_high: float | None = None

    def __post_init__(self) -> None:
        issues: dict[str, list[str]] = {}
        for name, choices in _CHOICES.items():
            value = getattr(self, name)
            if value is not None and value not in choices:
                issues[name] = [_("`{name}` must be one of {allowed}. Got {value}.").format(
                    name=name, allowed=", ".join(map(str, choices)), value=repr(value))]
        for name in _FLAGS:
            value = getattr(self, name)
            if value is not None and not isinstance(value, bool):
                issues[name] = [_("`{name}` must be true, false or not given. Got {value}.").format(
                    name=name, value=repr(value))]
        for name, (low, high, unit) in _RANGES.items():
            value = getattr(self, name)
            if value is not None and not (isinstance(value, (int, float)) and math.isfinite(value)
                                          and low <= value <= high):
                issues[name] = [_("`{name}` must be between {low} and {high} ({unit}). Got {value}.").format(
                    name=name, low=f"{low:g}", high=f"{high:g}", unit=_(unit), value=repr(value))]
        if (self.bone_category is None) != (self.bone_source is None):
            issues["bone_source"] = [_("`bone_category` and `bone_source` go together: give both or neither. "
                                       "Got {category} and {source}.").format(category=repr(self.bone_category),
                                                                              source=repr(self.bone_source))]
        if self.t_score is not None and self.bone_source != "dxa":
            issues["t_score"] = [_("A T-score comes from DXA: `bone_source` must be 'dxa'. Got {source}.").format(
                source=repr(self.bone_source))]
        interval = (self.t_score_estimate_low, self.t_score_estimate_high)
        if (None in interval) != (interval == (None, None)) or (None not in interval and (
                self.t_score_estimate is None or not interval[0] <= self.t_score_estimate <= interval[1])):
            issues["t_score_estimate_low"] = [_("The estimated T-score's interval needs both ends, low ≤ estimate ≤ "
                                                "high. Got {interval} around {estimate}.").format(
                interval=repr(interval), estimate=repr(self.t_score_estimate))]
        if issues:
            raise InputValidationError(issues)

    @property
    def very_high_risk(self) -> bool:
        """Osteoporosis on DXA with a feature AACE 2020 lists for very high fracture risk that this profile can
        hold: a fracture in the past 12 months, multiple fractures, or a T-score below −3.0 SD. A prior fracture
        alone is not enough (AACE 2020; the clinician decides)."""
        if self.bone_source != "dxa" or self.bone_category != "osteoporosis":
            return False
        very_low = self.t_score is not None and self.t_score < VERY_LOW_T_SCORE
        return bool(self.recent_fracture) or bool(self.multiple_fractures) or very_low

    @property
    def who_note(self) -> str | None:
        """Why a DXA WHO category may not apply to this person (under 50, premenopausal), in the current language;
        ``None`` when it applies."""
        if self.bone_source != "dxa":
            return None
        note = who_applicability_note(self.age, self.sex, self.postmenopausal)
        return None if note is None else _(note)

    def fact_sources(self) -> list[tuple[str, str, str]]:
        """``(fact, value, source)`` for each bone-density fact, measured first, so a page can show where each
        came from; in the current language (T-scores in SD with a true minus sign)."""
        facts = []
        if self.bone_category is not None:
            category = _(CATEGORY_TEXT[self.bone_category])
            value = category if self.t_score is None else _("{category}, T-score {t_score} SD").format(
                category=category, t_score=_signed(self.t_score))
            facts.append((_("Bone-density category"), value, _(SOURCE_TEXT[str(self.bone_source)])))
        if self.t_score_estimate is not None:
            value = _("{estimate} SD").format(estimate=_signed(self.t_score_estimate))
            if self.t_score_estimate_low is not None and self.t_score_estimate_high is not None:
                value = _("{estimate} SD (interval {low} to {high} SD)").format(
                    estimate=_signed(self.t_score_estimate), low=_signed(self.t_score_estimate_low),
                    high=_signed(self.t_score_estimate_high))
            facts.append((_("Estimated T-score"), value, _(CLINICAL_MODEL_SOURCE)))
        if self.risk_band is not None:
            facts.append((_("Risk band (probability that a hip DXA would show osteoporosis)"),
                          _(BAND_TEXT[self.risk_band]), _(CLINICAL_MODEL_SOURCE)))
        if self.risk_tool_flagged is not None:
            facts.append((_("Screening tool (OST, ORAI or SCORE) flags increased risk"),
                          _("yes") if self.risk_tool_flagged else _("no"), _("validated screening tools")))
        return facts

    @property
    def has_bone_facts(self) -> bool:
        """Whether anything bone-related was given (so bone rules apply)."""
        return any(getattr(self, name) is not None for name in
                   ("bone_category", "risk_band", "age", "sex", "prior_fracture", "glucocorticoids", "falls",
                    "t_score_estimate", "risk_tool_flagged", "recent_fracture", "multiple_fractures"))

    @property
    def has_knee_facts(self) -> bool:
        """Whether a KL grade was given (so knee rules apply)."""
        return self.kl_grade is not None

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of every field (what :meth:`from_dict` takes back)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Profile:
        """A profile from a dict; unknown keys raise :class:`InputValidationError`."""
        known = {f.name for f in fields(cls)}
        extra = sorted(set(values) - known)
        if extra:
            raise InputValidationError({name: [_("Unknown profile field `{name}`.").format(name=name)]
                                         for name in extra})
        return cls(**values)

    def outranks_bone_fact(self, other: Profile) -> bool:
        """Whether this profile's bone-density fact must be kept over ``other``'s (a measured DXA outranks any
        model estimate)."""
        if self.bone_source is None or other.bone_source is None:
            return other.bone_source is None
        return SOURCE_RANK[self.bone_source] > SOURCE_RANK[other.bone_source]

    def merged(self, other: Profile) -> Profile:
        """This profile with the fields ``other`` gives (not ``None``) taking precedence, except that a measured
        DXA result is never replaced by a model estimate."""
        values = self.to_dict()
        keep_bone = self.outranks_bone_fact(other)
        values.update({k: v for k, v in other.to_dict().items() if v is not None})
        bone = ("bone_category", "bone_source", "t_score")
        values.update({k: getattr(self if keep_bone else other, k) for k in bone})
        return Profile(**values)


def _signed(value: float) -> str:
    """One decimal in the current language with a true minus sign (``-1.8`` → ``"−1.8"``, ``"−1,8"`` in es)."""
    return format_decimal(value, 1).replace("-", "−")


def _tools_flag(tools: Any) -> bool | None:
    """True when any screening tool flags increased risk, False when at least one was computed and none flags."""
    flags = [getattr(tool, "flagged", None) for tool in tools or ()]
    if any(flag is True for flag in flags):
        return True
    return False if any(flag is False for flag in flags) else None


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


def profile_from_assessment(assessment: Any) -> Profile:
    """Profile from a clinical :class:`~osteo_core.clinical.assess.RiskAssessment` (duck-typed: ``patient``,
    ``band``, ``who_category``, ``tools``; ``t_score_estimate`` / ``t_score_low`` / ``t_score_high`` when the model
    gives them). The measured T-score (if any) is the DXA fact; the model's estimate is carried beside it."""
    patient = assessment.patient
    menopause = getattr(patient, "menopause_status", None)
    category = assessment.who_category
    count = getattr(patient, "fracture_count_after_45", None)
    low, high = getattr(assessment, "t_score_low", None), getattr(assessment, "t_score_high", None)
    return Profile(
        bone_category=category, bone_source=None if category is None else "dxa",
        t_score=None if category is None else float(patient.t_score), risk_band=assessment.band,
        age=float(patient.age), sex=patient.sex,
        postmenopausal=None if menopause in (None, "not_applicable") else menopause == "postmenopausal",
        prior_fracture=patient.prior_fracture, glucocorticoids=patient.glucocorticoids,
        smoker=patient.smoker_current, alcohol_drinks_per_day=patient.alcohol_drinks_per_day,
        multiple_fractures=None if count is None else count >= 2,
        risk_tool_flagged=_tools_flag(getattr(assessment, "tools", None)),
        t_score_estimate=_optional_float(getattr(assessment, "t_score_estimate", None)),
        t_score_estimate_low=None if high is None else _optional_float(low),
        t_score_estimate_high=None if low is None else _optional_float(high),
    )


def profile_from_knee(grade: int, knee_symptoms: bool | None = None) -> Profile:
    """Profile from a knee KL grade (0–4)."""
    return Profile(kl_grade=int(grade), knee_symptoms=knee_symptoms)


def profile_from_image_bone_density(category: str) -> Profile:
    """Profile from an image-based bone-density result (normal / osteopenia / osteoporosis)."""
    return Profile(bone_category=category, bone_source="image_bone_density")
