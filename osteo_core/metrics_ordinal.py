"""Metrics for ordinal grades (Kellgren–Lawrence 0–4): accuracy, quadratic-weighted kappa, MAE, confusion."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import cohen_kappa_score, confusion_matrix


def ordinal_metrics(y_true: np.ndarray, y_pred: np.ndarray, classes: int = 5) -> dict:
    """Accuracy, QWK, mean absolute error (grades), per-grade recall and the confusion matrix (rows = truth)."""
    y_true = np.asarray(y_true, dtype=int)
    y_pred = np.asarray(y_pred, dtype=int)
    labels = list(range(classes))
    matrix = confusion_matrix(y_true, y_pred, labels=labels)
    support = matrix.sum(axis=1)
    return {
        "n": int(y_true.size),
        "accuracy": float((y_true == y_pred).mean()),
        "qwk": float(cohen_kappa_score(y_true, y_pred, weights="quadratic", labels=labels)),
        "mae": float(np.abs(y_true - y_pred).mean()),
        "recall_per_grade": [float(matrix[k, k] / support[k]) if support[k] else None for k in labels],
        "confusion_matrix": matrix.tolist(),
    }


def headline_metrics(y_true: np.ndarray, y_pred: np.ndarray, digits: int = 4) -> dict[str, float]:
    """Accuracy, QWK and MAE (grades) only, rounded to ``digits``: the figures the KL evaluation files compare."""
    m = ordinal_metrics(y_true, y_pred)
    return {k: round(float(m[k]), digits) for k in ("accuracy", "qwk", "mae")}
