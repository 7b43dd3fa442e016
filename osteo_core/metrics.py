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


def _delong_components(y: np.ndarray, score: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """AUC and DeLong's structural components (V10 over positives, V01 over negatives)."""
    from scipy.stats import rankdata

    ranks = rankdata(score)
    positives, negatives = score[y], score[~y]
    m, n = positives.size, negatives.size
    v10 = (ranks[y] - rankdata(positives)) / n
    v01 = 1.0 - (ranks[~y] - rankdata(negatives)) / m
    return float(v10.mean()), v10, v01


def auc_delong_paired(y_true: np.ndarray, score_a: np.ndarray, score_b: np.ndarray) -> dict[str, dict[str, float]]:
    """AUCs of two scores on the same rows with DeLong 95 % CIs, and their difference (a − b) with the paired
    DeLong CI (DeLong et al., Biometrics 1988;44:837). Higher scores mean higher risk.

    Raises ``ValueError`` when ``y_true`` does not hold both outcomes or the lengths differ.
    """
    y = np.asarray(y_true, dtype=float) == 1.0
    a, b = np.asarray(score_a, dtype=float), np.asarray(score_b, dtype=float)
    if not (len(y) == len(a) == len(b)):
        raise ValueError(f"scores and outcomes must have the same length; got {len(y)}, {len(a)}, {len(b)}.")
    m, n = int(y.sum()), int((~y).sum())
    if m < 2 or n < 2:
        raise ValueError(f"AUC needs at least 2 rows of each outcome; got {m} with outcome 1 and {n} with 0.")
    auc_a, v10a, v01a = _delong_components(y, a)
    auc_b, v10b, v01b = _delong_components(y, b)
    s10, s01 = np.cov(np.stack([v10a, v10b])), np.cov(np.stack([v01a, v01b]))
    cov = s10 / m + s01 / n
    z = 1.959964

    def estimate(value: float, variance: float, bounded: bool = True) -> dict[str, float]:
        half = z * float(np.sqrt(max(variance, 0.0)))
        low, high = value - half, value + half
        if bounded:
            low, high = max(0.0, low), min(1.0, high)
        return Estimate(value, low, high).as_dict()

    return {"a": estimate(auc_a, cov[0, 0]), "b": estimate(auc_b, cov[1, 1]),
            "difference": estimate(auc_a - auc_b, cov[0, 0] + cov[1, 1] - 2 * cov[0, 1], bounded=False)}

