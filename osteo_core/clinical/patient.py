"""A single validated patient and the WHO category of a measured T-score."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

import pandas as pd

from osteo_core.clinical.fields import CM_PER_INCH, LB_PER_KG
from osteo_core.clinical.validate import validate_frame
from osteo_core.clinical.who import WHO_CATEGORY_TEXT, WhoCategory, who_applicability_note, who_category
from osteo_core.errors import InputValidationError
from osteo_core.i18n import _

__all__ = ["WHO_CATEGORY_TEXT", "Patient", "WhoCategory", "parse_patient", "who_category"]


@dataclass(frozen=True)
class Patient:
    """A validated patient. Units: age years, weight kg, height cm, BMI kg/m², alcohol drinks/day, T-score SD.

    Optional facts are ``None`` when unknown.
    """

    age: float
    sex: Literal["female", "male"]
    weight_kg: float
    height_cm: float
    bmi: float
    race: str | None = None
    prior_fracture: bool | None = None
    fracture_count_after_45: int | None = None
    parent_hip_fracture: bool | None = None
    glucocorticoids: bool | None = None
    smoker_current: bool | None = None
    alcohol_drinks_per_day: float | None = None
    rheumatoid_arthritis: bool | None = None
    estrogen_therapy: str | None = None
    menopause_status: str | None = None
    t_score: float | None = None

    @property
    def who_category(self) -> WhoCategory | None:
        """WHO category of the measured T-score, or ``None`` without one."""
        return None if self.t_score is None else who_category(self.t_score)

    @property
    def who_note(self) -> str | None:
        """Why the WHO category may not apply (under 50, premenopausal: ISCD advises Z-scores), in the current
        language, or ``None``."""
        if self.t_score is None:
            return None
        menopause = self.menopause_status  # ISCD applies the WHO categories in the menopausal transition too
        postmenopausal = None if menopause in (None, "not_applicable") else menopause != "premenopausal"
        note = who_applicability_note(self.age, self.sex, postmenopausal)
        return None if note is None else _(note)

    def to_record(self) -> dict[str, Any]:
        """The patient as a flat dict of canonical field names (what ``validate_frame`` accepts)."""
        return asdict(self)

    def to_frame(self) -> pd.DataFrame:
        """A one-row DataFrame of canonical columns."""
        return pd.DataFrame([self.to_record()])


_BOOLEAN_FIELDS = ("prior_fracture", "parent_hip_fracture", "glucocorticoids", "smoker_current",
                   "rheumatoid_arthritis")


def _value_or_none(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _scaled(value: Any, factor: float) -> Any:
    """``value`` × ``factor`` when it is a number; anything else is left for validation to report."""
    try:
        return float(value) * factor
    except (TypeError, ValueError):
        return value


def parse_patient(
    values: Mapping[str, Any], weight_unit: Literal["kg", "lb"] = "kg", height_unit: Literal["cm", "in"] = "cm"
) -> Patient:
    """Validate one patient given as ``{field name: value}`` and return a :class:`Patient`.

    ``weight_kg`` is read in ``weight_unit`` and ``height_cm`` in ``height_unit`` and converted to kg and cm.
    Raises :class:`InputValidationError` listing every problem at once, keyed by field.
    """
    record = dict(values)
    if weight_unit == "lb" and record.get("weight_kg") is not None:
        record["weight_kg"] = _scaled(record["weight_kg"], 1 / LB_PER_KG)
    if height_unit == "in" and record.get("height_cm") is not None:
        record["height_cm"] = _scaled(record["height_cm"], CM_PER_INCH)
    frame = pd.DataFrame([{key: _value_or_none(value) for key, value in record.items()}], dtype=object)
    checked = validate_frame(frame)
    problems = {name: [m for m in msgs.iloc[0].split("; ") if m] for name, msgs in checked.field_issues.items()}
    if any(problems.values()):
        raise InputValidationError(problems)
    row = checked.values.iloc[0]
    kwargs: dict[str, Any] = {}
    for name, value in row.items():
        value = _value_or_none(value)
        if value is not None and name in _BOOLEAN_FIELDS:
            value = bool(value)
        elif value is not None and name == "fracture_count_after_45":
            value = int(value)
        elif value is not None and isinstance(value, float):
            value = float(value)
        kwargs[str(name)] = value
    return Patient(**kwargs)
