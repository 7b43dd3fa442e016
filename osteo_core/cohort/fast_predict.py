"""Whole-cohort prediction without scikit-learn's per-call overhead.

The shipped risk model is a ``CalibratedClassifierCV`` (sigmoid) over k copies of
``RaceEncoder → SimpleImputer(mean) → StandardScaler → LogisticRegression``. For a million rows scikit-learn spends
most of its time checking inputs; :func:`cohort_predictor` replays the same arithmetic on a NumPy matrix (results
agree with ``RiskModel.predict`` to ~1e-15). Any other model layout falls back to ``RiskModel.predict``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from osteo_core.clinical.features import MODEL_FEATURES, RaceEncoder
from osteo_core.clinical.fields import RACE_CHOICES
from osteo_core.clinical.risk_model import RiskModel


@dataclass(frozen=True)
class _Member:
    """One calibrated copy: imputation means, scaler, logistic coefficients and Platt (a, b)."""

    race: RaceEncoder
    fill: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    a: float
    b: float


def _members(model: RiskModel) -> list[_Member] | None:
    """The calibrated copies of ``model`` in replayable form, or ``None`` when the layout is not the known one."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    pipeline = model.pipeline
    if not isinstance(pipeline, CalibratedClassifierCV) or len(getattr(pipeline, "classes_", [])) != 2:
        return None
    members = []
    for calibrated in pipeline.calibrated_classifiers_:
        estimator = calibrated.estimator
        if calibrated.method != "sigmoid" or not isinstance(estimator, Pipeline) or len(estimator.steps) != 4:
            return None
        race, imputer, scaler, logistic = (step for _, step in estimator.steps)
        ok = (isinstance(race, RaceEncoder) and isinstance(imputer, SimpleImputer) and imputer.strategy == "mean"
              and not imputer.add_indicator and np.isfinite(imputer.statistics_).all()
              and isinstance(scaler, StandardScaler) and isinstance(logistic, LogisticRegression)
              and logistic.coef_.shape[0] == 1 and len(calibrated.calibrators) == 1)
        if not ok:
            return None
        width = len(imputer.statistics_)
        mean = scaler.mean_ if scaler.with_mean else np.zeros(width)
        scale = scaler.scale_ if scaler.with_std else np.ones(width)
        sigmoid = calibrated.calibrators[0]
        if race.race_column != RaceEncoder().race_column or width != len(MODEL_FEATURES) + len(RACE_CHOICES) - 2:
            return None
        members.append(_Member(race, imputer.statistics_, mean, scale, logistic.coef_[0],
                               float(logistic.intercept_[0]), float(sigmoid.a_), float(sigmoid.b_)))
    return members


def cohort_predictor(model: RiskModel) -> Callable[[pd.DataFrame], np.ndarray]:
    """A function mapping model inputs (``model_inputs`` frame) to calibrated probabilities (0–1), equal to
    ``model.predict`` up to floating-point rounding, and several times faster on large frames."""
    members = _members(model)
    if members is None:
        return model.predict

    # Each copy's decision is linear in the imputed inputs: d = x_imp · w + c with w = coef / scale. Splitting
    # x_imp into (x with NaN → 0) + (NaN mask × fill) gives one matrix product for all copies at once.
    column = members[0].race.race_column
    categories = len(members[0].fill) - len(MODEL_FEATURES) + 1  # race indicator columns
    race_cols = np.arange(column, column + categories)
    other_cols = np.array([i for i in range(len(members[0].fill)) if i not in set(race_cols)])
    weights = np.stack([m.coef / m.scale for m in members], axis=1)  # (expanded features, copies)
    fills = np.stack([m.fill for m in members], axis=1)
    offset = np.array([m.intercept - float(np.sum(m.mean * m.coef / m.scale)) for m in members])
    w_other, f_other = weights[other_cols], fills[other_cols] * weights[other_cols]
    w_race = weights[race_cols]  # indicator of race code k + 1 → row k
    race_unknown = np.sum(fills[race_cols] * w_race, axis=0)
    a = np.array([m.a for m in members])
    b = np.array([m.b for m in members])
    feature_cols = [i for i in range(len(MODEL_FEATURES)) if i != column]

    def predict(inputs: pd.DataFrame) -> np.ndarray:
        matrix = inputs.loc[:, list(MODEL_FEATURES)].to_numpy(dtype="float64")
        if len(matrix) == 0:
            return np.empty(0)
        return predict_matrix(matrix)

    def predict_matrix(matrix: np.ndarray) -> np.ndarray:
        others, codes = matrix[:, feature_cols], matrix[:, column]
        missing = np.isnan(others)
        # einsum (not BLAS): for 9 × 5 weights, threaded BLAS only adds contention on a busy machine.
        decision = (np.einsum("ij,jk->ik", np.where(missing, 0.0, others), w_other)
                    + np.einsum("ij,jk->ik", missing.astype("float64"), f_other) + offset)
        for k in range(categories):
            decision += np.outer(codes == k + 1, w_race[k])
        decision += np.outer(np.isnan(codes), race_unknown)
        return np.mean(1.0 / (1.0 + np.exp(a * decision + b)), axis=1)

    predict.matrix = predict_matrix  # type: ignore[attr-defined]
    return predict


def fast_model(model: RiskModel) -> RiskModel:
    """A copy of ``model`` whose ``predict`` and ``predict_matrix`` use :func:`cohort_predictor` (same numbers),
    for SHAP on cohort samples, which evaluates the model on ~100,000 rows per explained row."""
    if _members(model) is None:
        return model
    predictor = cohort_predictor(model)

    class _Fast(RiskModel):
        def predict(self, inputs: pd.DataFrame) -> np.ndarray:
            return predictor(inputs)

        def predict_matrix(self, matrix: np.ndarray) -> np.ndarray:
            return predictor.matrix(np.asarray(matrix, dtype="float64"))  # type: ignore[attr-defined]

    return _Fast(pipeline=model.pipeline, background=model.background, metadata=model.metadata)
