"""SHAP explanations of the clinical risk model, in probability units (percentage points of risk)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from osteo_core.clinical.features import (
    FEATURE_LABELS,
    HEAVY_DRINKS_PER_DAY,
    LOW_BMI,
    MODEL_FEATURES,
    MODIFIABLE_FEATURES,
    race_code_label,
)
from osteo_core.clinical.risk_model import RiskModel
from osteo_core.i18n import _


@dataclass(frozen=True)
class RiskExplanation:
    """Additive explanation of one prediction: ``base_value + sum(contributions) == prediction``.

    All numbers are probabilities (0–1). ``contributions`` is indexed by feature name; ``display_values`` gives the
    patient's value of each feature in words (in the language current when it was made), with "unknown (average
    used)" for facts not given.
    """

    base_value: float
    prediction: float
    contributions: pd.Series
    display_values: pd.Series
    inputs: pd.Series | None = None  # the model inputs explained (NaN where unknown)

    def top(self, n: int = 8) -> pd.Series:
        """The ``n`` largest contributions by absolute size, largest first."""
        order = self.contributions.abs().sort_values(ascending=False).index[:n]
        return self.contributions[order]

    def modifiable(self) -> pd.Series:
        """Contributions of factors a patient can change, only where the patient is on the side guidelines call a
        risk and the model agrees (the factor raises this estimate): current smoking, daily glucocorticoids
        (review with the prescriber), 3+ alcoholic drinks a day, low body weight (BMI < 20 kg/m²).

        A factor the model treats as protective (e.g. alcohol in NHANES) is never offered as advice.
        """
        keep = [f for f in MODIFIABLE_FEATURES
                if f in self.contributions.index and self.contributions[f] > 0 and self._on_risk_side(f)]
        return self.contributions[keep]

    def _on_risk_side(self, feature: str) -> bool:
        if self.inputs is None:
            return False
        value = self.inputs.get(feature)
        if value is None or not np.isfinite(value):
            return False
        if feature == "weight_kg":
            height = self.inputs.get("height_cm")
            return bool(np.isfinite(height) and value / (height / 100.0) ** 2 < LOW_BMI)
        if feature == "alcohol_drinks_per_day":
            return bool(value >= HEAVY_DRINKS_PER_DAY)
        return bool(value >= 0.5)


def _display_value(feature: str, value: float) -> str:
    if value is None or not np.isfinite(value):
        return _("unknown (average used)")
    if feature == "race":
        return race_code_label(value)
    if feature == "female":
        return _("female") if value >= 0.5 else _("male")
    if feature in ("prior_fracture", "parent_hip_fracture", "glucocorticoids", "smoker_current"):
        return _("yes") if value >= 0.5 else _("no")
    return f"{value:.1f}" if feature in ("weight_kg", "height_cm") else f"{value:g}"


def explain_risk(model: RiskModel, inputs: pd.DataFrame, background_size: int = 100) -> list[RiskExplanation]:
    """Exact SHAP values (interventional, over a background sample of the training data) for each row of
    ``inputs`` (model inputs, see ``model_inputs``). Cost grows as 2^10 model calls × background per row: use
    for single patients and samples of a few hundred rows, not whole cohorts."""
    import shap  # lazy: heavy import

    background = model.background.loc[:, list(MODEL_FEATURES)].iloc[:background_size].to_numpy(dtype="float64")
    masker = shap.maskers.Independent(background, max_samples=background_size)
    explainer = shap.explainers.Exact(model.predict_matrix, masker)
    matrix = inputs.loc[:, list(MODEL_FEATURES)].to_numpy(dtype="float64")
    result = explainer(matrix, silent=True)
    explanations = []
    for row, values, base in zip(matrix, result.values, np.atleast_1d(result.base_values), strict=True):
        contributions = pd.Series(values, index=list(MODEL_FEATURES), dtype="float64")
        display = pd.Series({f: _display_value(f, v) for f, v in zip(MODEL_FEATURES, row, strict=True)})
        explanations.append(RiskExplanation(float(base), float(base + values.sum()), contributions, display,
                                            pd.Series(row, index=list(MODEL_FEATURES), dtype="float64")))
    return explanations


def global_importance(model: RiskModel, inputs: pd.DataFrame) -> pd.Series:
    """Mean |SHAP| (probability units) per feature over the rows of ``inputs``, largest first."""
    explanations = explain_risk(model, inputs)
    table = pd.DataFrame([e.contributions for e in explanations])
    return table.abs().mean().sort_values(ascending=False)


def feature_label(feature: str) -> str:
    """Readable label of a model feature, with its unit, in the current language."""
    return _(FEATURE_LABELS[feature]) if feature in FEATURE_LABELS else feature
