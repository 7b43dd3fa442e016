"""Evaluation metrics shared by training scripts and cohort analysis: AUC with a bootstrap CI, calibration."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score

_EPS = 1e-6


@dataclass(frozen=True)
class Estimate:
    """A point estimate with a 95 % confidence interval."""

    value: float
    low: float
    high: float

    def as_dict(self) -> dict[str, float]:
        return {"value": round(self.value, 4), "ci95_low": round(self.low, 4), "ci95_high": round(self.high, 4)}

    def __str__(self) -> str:
        return f"{self.value:.3f} (95% CI {self.low:.3f}–{self.high:.3f})"


def auc_with_ci(y_true: np.ndarray, score: np.ndarray, n_boot: int = 1000, seed: int = 0) -> Estimate:
    """ROC AUC with a percentile bootstrap 95 % CI (resampling rows, stratified by outcome).

    Raises ``ValueError`` when ``y_true`` holds a single class.
    """
    y_true = np.asarray(y_true, dtype=int)
    score = np.asarray(score, dtype=float)
    if len(np.unique(y_true)) < 2:
        raise ValueError("AUC needs both outcomes present; got a single class.")
    value = roc_auc_score(y_true, score)
    rng = np.random.default_rng(seed)
    pos, neg = np.flatnonzero(y_true == 1), np.flatnonzero(y_true == 0)
    boots = np.empty(n_boot)
    for i in range(n_boot):
        idx = np.concatenate([rng.choice(pos, pos.size), rng.choice(neg, neg.size)])
        boots[i] = roc_auc_score(y_true[idx], score[idx])
    low, high = np.percentile(boots, [2.5, 97.5])
    return Estimate(float(value), float(low), float(high))


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


def calibration_slope_intercept(y_true: np.ndarray, prob: np.ndarray) -> tuple[float, float]:
    """Calibration slope (logistic regression of outcome on logit(p)) and calibration-in-the-large intercept
    (intercept with logit(p) as a fixed offset). Ideal: slope 1, intercept 0."""
    y = np.asarray(y_true, dtype=float)
    lp = _logit(prob)
    slope_model = LogisticRegression(C=np.inf, max_iter=1000).fit(lp.reshape(-1, 1), y)
    slope = float(slope_model.coef_[0, 0])
    intercept = 0.0
    for _ in range(50):  # Newton steps for the offset model
        p = 1 / (1 + np.exp(-(lp + intercept)))
        step = np.sum(y - p) / max(np.sum(p * (1 - p)), _EPS)
        intercept += step
        if abs(step) < 1e-10:
            break
    return slope, float(intercept)


def brier(y_true: np.ndarray, prob: np.ndarray) -> float:
    """Brier score (mean squared error of probabilities; lower is better)."""
    return float(brier_score_loss(np.asarray(y_true, dtype=int), np.asarray(prob, dtype=float)))


def calibration_table(y_true: np.ndarray, prob: np.ndarray, bins: int = 10) -> list[dict[str, float]]:
    """Observed vs mean predicted risk in quantile bins of predicted risk."""
    y = np.asarray(y_true, dtype=float)
    p = np.asarray(prob, dtype=float)
    order = np.argsort(p)
    rows = []
    for chunk in np.array_split(order, bins):
        if chunk.size:
            rows.append({"n": int(chunk.size), "mean_predicted": round(float(p[chunk].mean()), 4),
                         "observed": round(float(y[chunk].mean()), 4)})
    return rows


def sensitivity_specificity(y_true: np.ndarray, flagged: np.ndarray) -> dict[str, float]:
    """Sensitivity, specificity and share flagged of a yes/no referral rule."""
    y = np.asarray(y_true, dtype=bool)
    f = np.asarray(flagged, dtype=bool)
    return {
        "sensitivity": round(float((f & y).sum() / max(y.sum(), 1)), 4),
        "specificity": round(float((~f & ~y).sum() / max((~y).sum(), 1)), 4),
        "share_flagged": round(float(f.mean()), 4),
    }
