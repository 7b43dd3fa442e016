"""The clinical model's equations: a fixed design (sex interactions, BMI, log weight) over the patient's facts, a
calibrated logistic equation for hip DXA osteoporosis and a linear equation for the femoral-neck T-score.

Everything is plain NumPy so that one patient, a SHAP sample or a million-row cohort go through the same arithmetic.
Inputs are matrices whose columns follow ``MODEL_FEATURES`` (``race`` as an integer code, NaN where a fact is not
known). Unknown optional facts are replaced by the training prevalence (``fill``) before the design is built; age,
sex, weight and height are required and must not be NaN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from osteo_core.clinical.features import MODEL_FEATURES
from osteo_core.clinical.fields import RACE_CHOICES
from osteo_core.i18n import _

_COL = {name: i for i, name in enumerate(MODEL_FEATURES)}
# Alcohol enters as the guideline threshold (3 or more drinks a day, as in FRAX and NOGG), never as a dose that
# could read as protective.
ALCOHOL_HEAVY_DRINKS = 3.0
OPTIONAL_FACTS = ("prior_fracture", "parent_hip_fracture", "glucocorticoids", "smoker_current", "alcohol_3plus")
_OTHER_RACES = RACE_CHOICES[1:]  # the first (Non-Hispanic White, the largest group) is the reference

DESIGN_COLUMNS: tuple[str, ...] = (
    "age", "female", "weight_kg", "height_cm", "bmi", "log_weight",
    "female_x_age", "female_x_log_weight", "female_x_height_cm",
    *(f"race_{r}" for r in _OTHER_RACES), *(f"female_x_race_{r}" for r in _OTHER_RACES),
    *OPTIONAL_FACTS,
)
# Columns whose coefficient guidelines fix in sign (a risk factor never lowers the risk); training drops any that
# come out the wrong way rather than present a protective effect.
RISK_RAISING = OPTIONAL_FACTS


@dataclass(frozen=True)
class ImputationValues:
    """Training prevalence used for an unknown fact: one value per optional fact and one share per race group."""

    facts: dict[str, float]
    race_shares: tuple[float, ...]  # in RACE_CHOICES order, summing to 1


def fit_imputation(matrix: np.ndarray) -> ImputationValues:
    """Prevalence of each optional fact and race group among rows where it is known."""
    matrix = np.asarray(matrix, dtype="float64")
    facts = {name: float(np.nanmean(_fact(matrix, name))) for name in OPTIONAL_FACTS}
    codes = matrix[:, _COL["race"]]
    known = codes[np.isfinite(codes)]
    shares = tuple(float(np.mean(known == k)) for k in range(len(RACE_CHOICES)))
    return ImputationValues(facts, shares)


def _fact(matrix: np.ndarray, name: str) -> np.ndarray:
    if name == "alcohol_3plus":
        drinks = matrix[:, _COL["alcohol_drinks_per_day"]]
        return np.where(np.isnan(drinks), np.nan, (drinks >= ALCOHOL_HEAVY_DRINKS).astype("float64"))
    return matrix[:, _COL[name]]


def design_matrix(matrix: np.ndarray, fill: ImputationValues) -> np.ndarray:
    """The design (columns ``DESIGN_COLUMNS``) for rows of model inputs; unknown optional facts take ``fill``.

    Raises ``ValueError`` when a required fact (age, sex, weight, height) is missing or weight/height are not
    positive.
    """
    matrix = np.atleast_2d(np.asarray(matrix, dtype="float64"))
    age, female = matrix[:, _COL["age"]], matrix[:, _COL["female"]]
    weight, height = matrix[:, _COL["weight_kg"]], matrix[:, _COL["height_cm"]]
    required = np.stack([age, female, weight, height], axis=1)
    if np.isnan(required).any() or (weight <= 0).any() or (height <= 0).any():
        raise ValueError(_("age, sex, weight (kg) and height (cm) are required and must be positive numbers."))
    # Filled column by column into a (columns, rows) block, returned transposed: no list of temporaries to stack.
    out = np.empty((len(DESIGN_COLUMNS), len(matrix)))
    out[0], out[1], out[2], out[3] = age, female, weight, height
    np.divide(weight, (height / 100.0) ** 2, out=out[4])
    np.log(weight, out=out[5])
    np.multiply(female, age, out=out[6])
    np.multiply(female, out[5], out=out[7])
    np.multiply(female, height, out=out[8])
    codes = matrix[:, _COL["race"]]
    unknown_race = np.isnan(codes)
    first = 9
    others = len(RACE_CHOICES) - 1
    for k in range(1, len(RACE_CHOICES)):
        row = out[first + k - 1]
        np.equal(codes, k, out=row, casting="unsafe")
        row[unknown_race] = fill.race_shares[k]
        np.multiply(female, row, out=out[first + others + k - 1])
    for i, name in enumerate(OPTIONAL_FACTS, start=first + 2 * others):
        values = _fact(matrix, name)
        out[i] = values
        out[i, np.isnan(values)] = fill.facts[name]
    return out.T


def logistic(z: np.ndarray) -> np.ndarray:
    """The logistic function, safe for large |z|."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype="float64")))


@dataclass(frozen=True)
class LinearEquation:
    """``intercept + ((design − mean) / scale) · coef`` over ``DESIGN_COLUMNS`` (coef 0 for a dropped column)."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def __call__(self, design: np.ndarray) -> np.ndarray:
        weights, offset = self.folded()
        return design @ weights + offset

    def folded(self) -> tuple[np.ndarray, float]:
        """(weights, offset) on the unstandardised design: the same equation with one product per row."""
        weights = self.coef / self.scale
        return weights, self.intercept - float(self.mean @ weights)

    def to_dict(self) -> dict:
        return {"mean": self.mean.tolist(), "scale": self.scale.tolist(), "coef": self.coef.tolist(),
                "intercept": self.intercept}

    @classmethod
    def from_dict(cls, data: dict) -> LinearEquation:
        arrays = [np.asarray(data[k], dtype="float64") for k in ("mean", "scale", "coef")]
        if not all(a.shape == (len(DESIGN_COLUMNS),) for a in arrays):
            raise ValueError(_("equation needs {count} coefficients; the file has another number.").format(
                count=len(DESIGN_COLUMNS)))
        return cls(*arrays, float(data["intercept"]))


@dataclass(frozen=True)
class ClinicalEquations:
    """The shipped clinical model.

    * ``risk``: linear predictor of hip DXA osteoporosis; probability = logistic(``calibration_slope`` × risk +
      ``calibration_offset``) (Platt recalibration on out-of-fold predictions).
    * ``t_score``: femoral-neck T-score (SD units) with an 80 % split-conformal interval: estimate +
      ``interval_low[sex]`` … estimate + ``interval_high[sex]`` (residual quantiles 10 % and 90 %, by sex).
    """

    fill: ImputationValues
    risk: LinearEquation
    calibration_slope: float
    calibration_offset: float
    t_score: LinearEquation
    interval_low: dict[str, float]
    interval_high: dict[str, float]

    def probability(self, matrix: np.ndarray) -> np.ndarray:
        """Calibrated probability (0–1) that a hip DXA would show osteoporosis, one per row."""
        z = self.risk(design_matrix(matrix, self.fill))
        return logistic(self.calibration_slope * z + self.calibration_offset)

    def t_score_interval(self, matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(estimate, low, high) femoral-neck T-score per row; the interval is 80 % by design."""
        matrix = np.atleast_2d(np.asarray(matrix, dtype="float64"))
        estimate = self.t_score(design_matrix(matrix, self.fill))
        female = matrix[:, _COL["female"]] >= 0.5
        low = estimate + np.where(female, self.interval_low["female"], self.interval_low["male"])
        high = estimate + np.where(female, self.interval_high["female"], self.interval_high["male"])
        return estimate, low, high

    def evaluate(self, matrix: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Probability and (estimate, low, high) T-score for each row, from one pass over the design."""
        matrix = np.atleast_2d(np.asarray(matrix, dtype="float64"))
        design = design_matrix(matrix, self.fill)
        (w_risk, b_risk), (w_t, b_t) = self.risk.folded(), self.t_score.folded()
        both = np.stack([w_risk, w_t]) @ design.T  # (2, rows); design.T is the contiguous block design_matrix built
        probability = logistic(self.calibration_slope * (both[0] + b_risk) + self.calibration_offset)
        estimate = both[1] + b_t
        female = matrix[:, _COL["female"]] >= 0.5
        low = estimate + np.where(female, self.interval_low["female"], self.interval_low["male"])
        high = estimate + np.where(female, self.interval_high["female"], self.interval_high["male"])
        return probability, (estimate, low, high)

    def to_dict(self) -> dict:
        return {
            "design_columns": list(DESIGN_COLUMNS),
            "fill": {"facts": self.fill.facts, "race_shares": list(self.fill.race_shares)},
            "risk": self.risk.to_dict(),
            "calibration": {"slope": self.calibration_slope, "offset": self.calibration_offset},
            "t_score": self.t_score.to_dict(),
            "interval_80": {"low": self.interval_low, "high": self.interval_high},
        }

    @classmethod
    def from_dict(cls, data: dict) -> ClinicalEquations:
        """Rebuild from :meth:`to_dict`. Raises ``ValueError``/``KeyError`` for a file of another layout."""
        if list(data["design_columns"]) != list(DESIGN_COLUMNS):
            raise ValueError(_("the model file was written for another design; retrain or update the code."))
        fill = ImputationValues({k: float(v) for k, v in data["fill"]["facts"].items()},
                                tuple(float(v) for v in data["fill"]["race_shares"]))
        interval = data["interval_80"]
        return cls(
            fill=fill, risk=LinearEquation.from_dict(data["risk"]),
            calibration_slope=float(data["calibration"]["slope"]),
            calibration_offset=float(data["calibration"]["offset"]),
            t_score=LinearEquation.from_dict(data["t_score"]),
            interval_low={k: float(v) for k, v in interval["low"].items()},
            interval_high={k: float(v) for k, v in interval["high"].items()},
        )
