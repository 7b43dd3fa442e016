"""Fit the clinical model's equations (see ``osteo_core.clinical.equations``) and the candidate model families
they are compared with.

Every candidate is a function ``fit(train) → score(test)`` over the same rows so that repeated cross-validation
compares like with like; the screening tools need no fitting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import SplineTransformer, StandardScaler

from osteo_core.clinical.equations import (
    DESIGN_COLUMNS,
    RISK_RAISING,
    ClinicalEquations,
    LinearEquation,
    design_matrix,
    fit_imputation,
    logistic,
)
from osteo_core.clinical.features import MODEL_FEATURES
from osteo_core.clinical.tools import orai, ost, score

SEED = 42
C_RISK = 0.3  # inverse L2 strength of the logistic equation (chosen by CV, see the training log)
INTERVAL = (0.10, 0.90)  # 80 % prediction interval


@dataclass(frozen=True)
class Rows:
    """A set of training or test rows: model inputs (``MODEL_FEATURES``), validated values, outcome, T-score."""

    inputs: pd.DataFrame
    values: pd.DataFrame
    labels: np.ndarray
    t_scores: np.ndarray

    def take(self, index: np.ndarray) -> Rows:
        return Rows(self.inputs.iloc[index].reset_index(drop=True), self.values.iloc[index].reset_index(drop=True),
                    self.labels[index], self.t_scores[index])

    @property
    def matrix(self) -> np.ndarray:
        return self.inputs[list(MODEL_FEATURES)].to_numpy(dtype="float64")


def _standardise(design: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean, scale = design.mean(axis=0), design.std(axis=0)
    return mean, np.where(scale > 0, scale, 1.0)


def _fit_signed(design: np.ndarray, target: np.ndarray, regression: bool) -> LinearEquation:
    """Logistic (or linear) equation on the standardised design. A guideline risk factor whose coefficient comes
    out protective (lower risk, or a higher T-score) is dropped (coefficient 0) and the equation refitted."""
    mean, scale = _standardise(design)
    z = (design - mean) / scale
    active = np.ones(len(DESIGN_COLUMNS), dtype=bool)
    harmful = np.array([c in RISK_RAISING for c in DESIGN_COLUMNS])
    sign = -1.0 if regression else 1.0
    while True:
        if regression:
            fitted = LinearRegression().fit(z[:, active], target)
            coef_active, intercept = fitted.coef_, float(fitted.intercept_)
        else:
            fitted = LogisticRegression(C=C_RISK, max_iter=5000).fit(z[:, active], target)
            coef_active, intercept = fitted.coef_[0], float(fitted.intercept_[0])
        coef = np.zeros(len(DESIGN_COLUMNS))
        coef[active] = coef_active
        wrong = harmful & active & (sign * coef < 0)
        if not wrong.any():
            return LinearEquation(mean, scale, coef, intercept)
        active &= ~wrong


def _out_of_fold(rows: Rows, fit: Callable[[Rows], Callable[[Rows], np.ndarray]], seed: int) -> np.ndarray:
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    strata = rows.labels * 2 + rows.inputs["female"].to_numpy().astype(int)
    result = np.empty(len(rows.labels))
    for train, test in folds.split(rows.matrix, strata):
        result[test] = fit(rows.take(train))(rows.take(test))
    return result


def fit_equations(rows: Rows, seed: int = SEED) -> tuple[ClinicalEquations, dict]:
    """Fit the shipped equations on ``rows``: logistic risk equation, Platt recalibration on out-of-fold linear
    predictors, T-score equation and its 80 % split-conformal interval by sex from out-of-fold residuals.

    Returns the equations and a summary (dropped columns, calibration, interval widths) for the training log.
    """
    matrix = rows.matrix
    fill = fit_imputation(matrix)
    design = design_matrix(matrix, fill)
    risk = _fit_signed(design, rows.labels, regression=False)
    t_score = _fit_signed(design, rows.t_scores, regression=True)

    def linear_predictor(train: Rows) -> Callable[[Rows], np.ndarray]:
        f = fit_imputation(train.matrix)
        equation = _fit_signed(design_matrix(train.matrix, f), train.labels, regression=False)
        return lambda test: equation(design_matrix(test.matrix, f))

    oof = _out_of_fold(rows, linear_predictor, seed)
    platt = LogisticRegression(C=np.inf, max_iter=1000).fit(oof.reshape(-1, 1), rows.labels)

    def t_predictor(train: Rows) -> Callable[[Rows], np.ndarray]:
        f = fit_imputation(train.matrix)
        equation = _fit_signed(design_matrix(train.matrix, f), train.t_scores, regression=True)
        return lambda test: equation(design_matrix(test.matrix, f))

    residual = rows.t_scores - _out_of_fold(rows, t_predictor, seed)
    female = rows.inputs["female"].to_numpy() >= 0.5
    low, high = {}, {}
    for sex, mask in (("female", female), ("male", ~female)):
        n = int(mask.sum())
        # split-conformal quantiles with the finite-sample correction
        lo_q = max(0.0, np.floor((n + 1) * INTERVAL[0]) / n)
        hi_q = min(1.0, np.ceil((n + 1) * INTERVAL[1]) / n)
        low[sex], high[sex] = (float(v) for v in np.quantile(residual[mask], [lo_q, hi_q]))
    equations = ClinicalEquations(fill, risk, float(platt.coef_[0, 0]), float(platt.intercept_[0]), t_score,
                                  low, high)
    summary = {
        "risk_columns_dropped_as_protective": [c for c, v in zip(DESIGN_COLUMNS, risk.coef, strict=True)
                                               if v == 0 and c in RISK_RAISING],
        "t_score_columns_dropped_as_protective": [c for c, v in zip(DESIGN_COLUMNS, t_score.coef, strict=True)
                                                  if v == 0 and c in RISK_RAISING],
        "platt_slope": round(float(platt.coef_[0, 0]), 4), "platt_offset": round(float(platt.intercept_[0]), 4),
        "interval_80": {"low": low, "high": high},
    }
    return equations, summary


# --- candidate families for the comparison -----------------------------------------------------------------------

Fitter = Callable[[Rows], Callable[[Rows], np.ndarray]]


def _shipped(train: Rows) -> Callable[[Rows], np.ndarray]:
    f = fit_imputation(train.matrix)
    equation = _fit_signed(design_matrix(train.matrix, f), train.labels, regression=False)
    return lambda test: logistic(equation(design_matrix(test.matrix, f)))


_MAIN_EFFECTS = [i for i, c in enumerate(DESIGN_COLUMNS)
                 if c in ("age", "female", "weight_kg", "height_cm") or c.startswith("race_") or c in RISK_RAISING]


def _main_effects(train: Rows) -> Callable[[Rows], np.ndarray]:
    f = fit_imputation(train.matrix)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=3000))
    model.fit(design_matrix(train.matrix, f)[:, _MAIN_EFFECTS], train.labels)
    return lambda test: model.predict_proba(design_matrix(test.matrix, f)[:, _MAIN_EFFECTS])[:, 1]


_CONTINUOUS = [DESIGN_COLUMNS.index(c) for c in ("age", "weight_kg", "height_cm", "bmi")]


def _splines(train: Rows) -> Callable[[Rows], np.ndarray]:
    f = fit_imputation(train.matrix)

    def expand(design: np.ndarray, transformer: SplineTransformer) -> np.ndarray:
        basis = transformer.transform(design[:, _CONTINUOUS])
        female = design[:, [DESIGN_COLUMNS.index("female")]]
        return np.hstack([design, basis, basis * female])

    design = design_matrix(train.matrix, f)
    splines = SplineTransformer(n_knots=4, degree=3).fit(design[:, _CONTINUOUS])
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=5000))
    model.fit(expand(design, splines), train.labels)
    return lambda test: model.predict_proba(expand(design_matrix(test.matrix, f), splines))[:, 1]


# Physiology fixes these directions: older → higher risk; heavier or higher BMI → lower; risk factors → higher.
_MONOTONE = {"age": 1, "weight_kg": -1, "prior_fracture": 1, "parent_hip_fracture": 1, "glucocorticoids": 1,
             "smoker_current": 1}


def _boosting(train: Rows) -> Callable[[Rows], np.ndarray]:
    def frame(rows: Rows) -> np.ndarray:
        m = rows.matrix
        bmi = m[:, MODEL_FEATURES.index("weight_kg")] / (m[:, MODEL_FEATURES.index("height_cm")] / 100) ** 2
        return np.column_stack([m, bmi])

    constraints = [_MONOTONE.get(name, 0) for name in MODEL_FEATURES] + [-1]
    categorical = [name == "race" for name in MODEL_FEATURES] + [False]
    model = HistGradientBoostingClassifier(max_depth=3, learning_rate=0.03, max_iter=400, min_samples_leaf=40,
                                           l2_regularization=1.0, monotonic_cst=constraints,
                                           categorical_features=categorical, random_state=SEED)
    model.fit(frame(train), train.labels)
    return lambda test: model.predict_proba(frame(test))[:, 1]


def _t_score_ranked(train: Rows) -> Callable[[Rows], np.ndarray]:
    f = fit_imputation(train.matrix)
    equation = _fit_signed(design_matrix(train.matrix, f), train.t_scores, regression=True)
    return lambda test: -equation(design_matrix(test.matrix, f))


CANDIDATES: dict[str, tuple[str, Fitter]] = {
    "logistic_main_effects": ("logistic regression, the 10 facts as main effects", _main_effects),
    "logistic_sex_interactions": ("logistic regression, sex interactions + BMI + log weight (shipped design)",
                                  _shipped),
    "logistic_splines_sex": ("logistic regression, cubic splines of age/weight/height/BMI, each × sex", _splines),
    "gradient_boosting_monotone": ("gradient boosting, monotone in age, weight, BMI and risk factors", _boosting),
    "t_score_regression_ranked": ("linear regression of the femoral-neck T-score, ranked (lower = higher risk)",
                                  _t_score_ranked),
}
SHIPPABLE = ("logistic_sex_interactions",)
SIMPLICITY = ["logistic_main_effects", "logistic_sex_interactions", "t_score_regression_ranked",
              "logistic_splines_sex", "gradient_boosting_monotone"]


# NHANES lacks three facts ORAI and SCORE ask for. Estrogen status adds the same points to everyone (no effect on
# AUC); rheumatoid arthritis is taken as absent; any prior fracture counts as one fracture after 45.
TOOL_ASSUMPTIONS = ("estrogen therapy taken as 'never' for everyone (a constant: no effect on AUC); rheumatoid "
                    "arthritis taken as absent; a prior fracture (hip, wrist or spine) counted as one fracture "
                    "after 45")


def tool_scores(values: pd.DataFrame) -> dict[str, np.ndarray]:
    """Risk-oriented scores of OST, ORAI and SCORE (higher = more likely osteoporosis; NaN where not applicable),
    with NHANES's missing facts filled as ``TOOL_ASSUMPTIONS`` says."""
    values = values.copy()
    values["estrogen_therapy"] = values["estrogen_therapy"].fillna("never")
    values["rheumatoid_arthritis"] = values["rheumatoid_arthritis"].fillna(0.0)
    values["fracture_count_after_45"] = values["fracture_count_after_45"].fillna(values["prior_fracture"])
    return {"OST": -ost(values).score.to_numpy(dtype="float64"),
            "ORAI": orai(values).score.to_numpy(dtype="float64"),
            "SCORE": score(values).score.to_numpy(dtype="float64")}

