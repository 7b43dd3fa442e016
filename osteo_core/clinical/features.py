"""Model inputs of the clinical risk model, built from validated patient values.

The model sees one column per clinical fact (``MODEL_FEATURES``); race/ethnicity is a single integer code so that
SHAP explains it as one factor, and :class:`RaceEncoder` expands it into indicators inside the model pipeline.
Unknown facts stay NaN and are imputed inside the pipeline with the training mean (the training prevalence for
yes/no facts).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from osteo_core.clinical.fields import RACE_CHOICES

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

FEATURE_LABELS = {
    "age": "Age (years)",
    "female": "Female sex",
    "race": "Race/ethnicity",
    "weight_kg": "Weight (kg)",
    "height_cm": "Height (cm)",
    "prior_fracture": "Prior fracture",
    "parent_hip_fracture": "Parent hip fracture",
    "glucocorticoids": "Glucocorticoid use",
    "smoker_current": "Current smoking",
    "alcohol_drinks_per_day": "Alcohol (drinks/day)",
}

MODIFIABLE_FEATURES = ("weight_kg", "smoker_current", "alcohol_drinks_per_day", "glucocorticoids")

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
    """Readable race/ethnicity for a race code, or "unknown"."""
    if code is None or not np.isfinite(code):
        return "unknown"
    from osteo_core.clinical.fields import RACE_LABELS

    return RACE_LABELS[RACE_CHOICES[int(code)]]


class RaceEncoder(TransformerMixin, BaseEstimator):
    """Replace the ``race`` code column with one indicator per category; unknown race gives NaN indicators.

    Input and output are 2-D float arrays whose columns follow ``MODEL_FEATURES`` (race expanded in place), so that
    a later mean imputer fills an unknown race with the training prevalence of each category.
    """

    def __init__(self, race_column: int = MODEL_FEATURES.index("race")):
        self.race_column = race_column

    def fit(self, X, y=None):  # noqa: N803 - scikit-learn naming
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def transform(self, X):  # noqa: N803
        X = np.asarray(X, dtype="float64")
        codes = X[:, self.race_column]
        indicators = np.stack([(codes == k).astype("float64") for k in range(1, len(RACE_CHOICES))], axis=1)
        indicators[np.isnan(codes)] = np.nan
        return np.concatenate([X[:, : self.race_column], indicators, X[:, self.race_column + 1:]], axis=1)
