"""The patient schema: every field's name, unit, allowed range and whether it is required.

This table is the single source of truth used by the single-patient form, the cohort reader and the command line.
Column aliases let files from NHANES and other common layouts be read without renaming.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from osteo_core.i18n import N_, _

FieldKind = Literal["number", "integer", "boolean", "category"]

LB_PER_KG = 2.2046226218
CM_PER_INCH = 2.54


@dataclass(frozen=True)
class FieldSpec:
    """One patient field.

    ``minimum``/``maximum`` are inclusive and expressed in ``unit``. ``choices`` lists the canonical values of a
    category field; ``choice_aliases`` maps other spellings (lower case) onto them. ``label``, ``help`` and a unit
    in words are marked for translation (``N_``): show them as ``_(spec.label)``.
    """

    name: str
    label: str
    kind: FieldKind
    unit: str = ""
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    choice_aliases: dict[str, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    help: str = ""

    @property
    def unit_text(self) -> str:
        """The unit in brackets for messages, e.g. ``" (years)"``, in the current language, or empty."""
        return f" ({_(self.unit)})" if self.unit else ""


RACE_CHOICES = ("nh_white", "nh_black", "mexican_american", "other_hispanic", "nh_asian", "other_multi")
RACE_LABELS = {
    "nh_white": N_("Non-Hispanic White"),
    "nh_black": N_("Non-Hispanic Black"),
    "mexican_american": N_("Mexican American"),
    "other_hispanic": N_("Other Hispanic"),
    "nh_asian": N_("Non-Hispanic Asian"),
    "other_multi": N_("Other or multiracial"),
}
ESTROGEN_CHOICES = ("never", "past", "current")
MENOPAUSE_CHOICES = ("premenopausal", "perimenopausal", "postmenopausal", "not_applicable")

FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("age", N_("Age"), "number", N_("years"), True, 18, 110, aliases=("age_years", "ridageyr")),
    FieldSpec(
        "sex", N_("Sex"), "category", required=True, choices=("female", "male"),
        choice_aliases={"f": "female", "m": "male", "woman": "female", "man": "male"},
        aliases=("gender",),
    ),
    FieldSpec("weight_kg", N_("Weight"), "number", "kg", True, 25, 300, aliases=("weight", "weight_kilograms")),
    FieldSpec("height_cm", N_("Height"), "number", "cm", True, 100, 230, aliases=("height",)),
    FieldSpec(
        "race", N_("Race/ethnicity"), "category", choices=RACE_CHOICES,
        choice_aliases={
            "white": "nh_white", "black": "nh_black", "african american": "nh_black",
            "african_american": "nh_black", "asian": "nh_asian", "hispanic": "other_hispanic",
            "other": "other_multi", "caucasian": "nh_white", "mexican american": "mexican_american",
        },
        aliases=("race_ethnicity", "ethnicity"),
        help=N_("Optional. Categories follow NHANES."),
    ),
    FieldSpec(
        "prior_fracture", N_("Prior fragility fracture"), "boolean",
        aliases=("prior_fractures", "previous_fracture"),
        help=N_("A fracture from a fall from standing height or less, in adult life."),
    ),
    FieldSpec(
        "fracture_count_after_45", N_("Fragility fractures after age 45"), "integer", N_("count"), False, 0, 20,
        aliases=("fractures_after_45",),
        help=N_("Wrist, hip or rib fractures without major trauma after age 45 (used by SCORE)."),
    ),
    FieldSpec("parent_hip_fracture", N_("Parent had a hip fracture"), "boolean", aliases=("parental_hip_fracture",)),
    FieldSpec(
        "glucocorticoids", N_("Glucocorticoid use"), "boolean",
        aliases=("glucocorticoids_ever_daily", "steroids", "corticosteroids"),
        help=N_("Oral glucocorticoids (e.g. prednisolone) taken daily for 3 months or more."),
    ),
    FieldSpec("smoker_current", N_("Current smoker"), "boolean", aliases=("current_smoker", "smoking")),
    FieldSpec(
        "alcohol_drinks_per_day", N_("Alcohol"), "number", N_("drinks/day"), False, 0, 30,
        aliases=("alcohol", "drinks_per_day"),
        help=N_("Average standard drinks per day over the past year; 0 for non-drinkers."),
    ),
    FieldSpec("rheumatoid_arthritis", N_("Rheumatoid arthritis"), "boolean", aliases=("ra",)),
    FieldSpec(
        "estrogen_therapy", N_("Estrogen / hormone therapy"), "category", choices=ESTROGEN_CHOICES,
        choice_aliases={"no": "never", "none": "never", "yes": "current", "former": "past", "previous": "past"},
        aliases=("hormone_therapy", "hrt", "estrogen"),
    ),
    FieldSpec(
        "menopause_status", N_("Menopause status"), "category", choices=MENOPAUSE_CHOICES,
        choice_aliases={
            "pre": "premenopausal", "peri": "perimenopausal", "post": "postmenopausal",
            "n/a": "not_applicable", "na": "not_applicable", "not applicable": "not_applicable",
        },
        aliases=("menopause",),
    ),
    FieldSpec(
        "t_score", N_("Measured DXA T-score"), "number", "SD", False, -6, 4, aliases=("dxa_t_score", "tscore"),
        help=N_("Lowest T-score of femoral neck, total hip or lumbar spine, if a DXA scan was done."),
    ),
)

FIELDS_BY_NAME: dict[str, FieldSpec] = {spec.name: spec for spec in FIELDS}
REQUIRED_FIELDS: tuple[str, ...] = tuple(spec.name for spec in FIELDS if spec.required)

# Columns given in other units, converted on read: alias -> (canonical field, factor to canonical unit).
UNIT_COLUMNS: dict[str, tuple[str, float]] = {
    "weight_lb": ("weight_kg", 1 / LB_PER_KG),
    "weight_lbs": ("weight_kg", 1 / LB_PER_KG),
    "height_in": ("height_cm", CM_PER_INCH),
    "height_inches": ("height_cm", CM_PER_INCH),
}

BMI_RANGE = (10.0, 80.0)  # kg/m², derived from weight and height

TRUE_WORDS = frozenset({"1", "1.0", "yes", "y", "true", "t"})
FALSE_WORDS = frozenset({"0", "0.0", "no", "n", "false", "f"})
