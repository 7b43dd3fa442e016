"""Model inputs of the clinical risk model, built from validated patient values.

The model sees one column per clinical fact (``MODEL_FEATURES``); race/ethnicity is a single integer code so that
SHAP explains it as one factor, and :mod:`osteo_core.clinical.equations` expands it into indicators. Unknown facts
stay NaN and are replaced there by the training prevalence. Nothing here imports scikit-learn, so scoring starts
fast.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from osteo_core.clinical.fields import RACE_CHOICES
from osteo_core.i18n import N_, _

MODEL_FEATURES: tuple[str, ...] = (
    "age",
    "female",
    "race",
    "weight_kg",
    "height_cm",
    "prior_fracture",
    "parent_hip_fracture",
    "glucocorticoids",
    "smoker_current",
    "alcohol_drinks_per_day",
)

FEATURE_LABELS = {  # marked for translation: show _(FEATURE_LABELS[name])
    "age": N_("Age (years)"),
    "female": N_("Female sex"),
    "race": N_("Race/ethnicity"),
    "weight_kg": N_("Weight (kg)"),
    "height_cm": N_("Height (cm)"),
    "prior_fracture": N_("Prior fracture"),
    "parent_hip_fracture": N_("Parent hip fracture"),
    "glucocorticoids": N_("Glucocorticoid use"),
    "smoker_current": N_("Current smoking"),
    "alcohol_drinks_per_day": N_("Alcohol (drinks/day)"),
}

MODIFIABLE_FEATURES = ("weight_kg", "smoker_current", "alcohol_drinks_per_day", "glucocorticoids")
# The side of each modifiable factor that guidelines call a risk (NOGG 2022, BHOF 2022, FRAX's inputs): only there
# is a factor shown as something to change. BMI below 20 kg/m² counts as low body weight.
LOW_BMI = 20.0
HEAVY_DRINKS_PER_DAY = 3.0

_RACE_CODES = {name: float(code) for code, name in enumerate(RACE_CHOICES)}


def model_inputs(values: pd.DataFrame) -> pd.DataFrame:
    """Model input columns (``MODEL_FEATURES``, float64) from a validated frame (see ``validate_frame``)."""
    sex = values["sex"]
    female = pd.Series(np.where(sex == "female", 1.0, np.where(sex == "male", 0.0, np.nan)), index=values.index)
    race = values["race"].map(_RACE_CODES).astype("float64")
    inputs = pd.DataFrame(
        {
            "age": values["age"],
            "female": female,
            "race": race,
            "weight_kg": values["weight_kg"],
            "height_cm": values["height_cm"],
            "prior_fracture": values["prior_fracture"],
            "parent_hip_fracture": values["parent_hip_fracture"],
            "glucocorticoids": values["glucocorticoids"],
            "smoker_current": values["smoker_current"],
            "alcohol_drinks_per_day": values["alcohol_drinks_per_day"],
        },
        index=values.index,
    )
    return inputs.astype("float64")


def race_code_label(code: float) -> str:
    """Readable race/ethnicity for a race code, or "unknown", in the current language."""
    if code is None or not np.isfinite(code):
        return _("unknown")
    from osteo_core.clinical.fields import RACE_LABELS

    return _(RACE_LABELS[RACE_CHOICES[int(code)]])
