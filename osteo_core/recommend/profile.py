"""The facts a recommendation is chosen from: bone-density category, risk band, KL grade and patient factors."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import Any

from osteo_core.errors import InputValidationError

BONE_CATEGORIES = ("normal", "osteopenia", "osteoporosis")
BONE_SOURCES = ("dxa", "image_bone_density")
RISK_BANDS = ("low", "moderate", "high")
SEXES = ("female", "male")
KL_GRADES = (0, 1, 2, 3, 4)
VERY_LOW_T_SCORE = -3.0  # SD; AACE 2020 names a T-score below −3.0 among very-high-risk features

_CHOICES: dict[str, tuple[Any, ...]] = {
    "bone_category": BONE_CATEGORIES, "bone_source": BONE_SOURCES, "risk_band": RISK_BANDS, "sex": SEXES,
    "kl_grade": KL_GRADES,
}
_FLAGS = ("postmenopausal", "prior_fracture", "glucocorticoids", "falls", "smoker", "knee_symptoms")
_RANGES = {"age": (18.0, 110.0, "years"), "alcohol_drinks_per_day": (0.0, 30.0, "drinks/day"),
           "t_score": (-7.0, 5.0, "SD")}


@dataclass(frozen=True)
class Profile:
    """One person's facts for the rules; every field is optional (``None`` = not given).

    ``bone_category`` is a WHO category from a DXA T-score (``bone_source="dxa"``) or from an image-based
    bone-density estimate (``bone_source="image_bone_density"``). ``falls`` means a fall in the past 12 months;
    ``knee_symptoms`` means knee pain, stiffness or loss of function. Units: age years, alcohol drinks/day,
    T-score SD. Raises :class:`InputValidationError` for values outside the choices or ranges.
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

    def __post_init__(self) -> None:
        issues: dict[str, list[str]] = {}
        for name, choices in _CHOICES.items():
            value = getattr(self, name)
            if value is not None and value not in choices:
                issues[name] = [f"`{name}` must be one of {', '.join(map(str, choices))}. Got {value!r}."]
        for name in _FLAGS:
            value = getattr(self, name)
            if value is not None and not isinstance(value, bool):
                issues[name] = [f"`{name}` must be true, false or not given. Got {value!r}."]
        for name, (low, high, unit) in _RANGES.items():
            value = getattr(self, name)
            if value is not None and not (isinstance(value, (int, float)) and math.isfinite(value)
                                          and low <= value <= high):
                issues[name] = [f"`{name}` must be between {low:g} and {high:g} ({unit}). Got {value!r}."]
        if (self.bone_category is None) != (self.bone_source is None):
            issues["bone_source"] = ["`bone_category` and `bone_source` go together: give both or neither. "
                                     f"Got {self.bone_category!r} and {self.bone_source!r}."]
        if self.t_score is not None and self.bone_source != "dxa":
            issues["t_score"] = [f"A T-score comes from DXA: `bone_source` must be 'dxa'. Got {self.bone_source!r}."]
        if issues:
            raise InputValidationError(issues)

    @property
    def very_high_risk(self) -> bool:
        """Osteoporosis on DXA with a prior fracture or a T-score below −3.0 SD (a screening proxy for the
        NOGG 2022 / AACE 2020 very-high-risk group; the clinician decides)."""
        if self.bone_source != "dxa" or self.bone_category != "osteoporosis":
            return False
        return bool(self.prior_fracture) or (self.t_score is not None and self.t_score < VERY_LOW_T_SCORE)

    @property
    def has_bone_facts(self) -> bool:
        """Whether anything bone-related was given (so bone rules apply)."""
        return any(getattr(self, name) is not None for name in
                   ("bone_category", "risk_band", "age", "sex", "prior_fracture", "glucocorticoids", "falls"))

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
            raise InputValidationError({name: [f"Unknown profile field `{name}`."] for name in extra})
        return cls(**values)

    def merged(self, other: Profile) -> Profile:
        """This profile with the fields ``other`` gives (not ``None``) taking precedence."""
        values = self.to_dict()
        values.update({k: v for k, v in other.to_dict().items() if v is not None})
        if other.bone_category is not None:
            values["t_score"] = other.t_score
        return Profile(**values)


def profile_from_assessment(assessment: Any) -> Profile:
    """Profile from a clinical :class:`~osteo_core.clinical.assess.RiskAssessment` (duck-typed: ``patient``,
    ``band``, ``who_category``)."""
    patient = assessment.patient
    menopause = getattr(patient, "menopause_status", None)
    category = assessment.who_category
    return Profile(
        bone_category=category, bone_source=None if category is None else "dxa",
        t_score=None if category is None else float(patient.t_score), risk_band=assessment.band,
        age=float(patient.age), sex=patient.sex,
        postmenopausal=None if menopause is None else menopause == "postmenopausal",
        prior_fracture=patient.prior_fracture, glucocorticoids=patient.glucocorticoids,
        smoker=patient.smoker_current, alcohol_drinks_per_day=patient.alcohol_drinks_per_day,
    )


def profile_from_knee(grade: int, knee_symptoms: bool | None = None) -> Profile:
    """Profile from a knee KL grade (0–4)."""
    return Profile(kl_grade=int(grade), knee_symptoms=knee_symptoms)


def profile_from_image_bone_density(category: str) -> Profile:
    """Profile from an image-based bone-density result (normal / osteopenia / osteoporosis)."""
    return Profile(bone_category=category, bone_source="image_bone_density")
