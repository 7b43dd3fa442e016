"""Split-conformal prediction sets for ordinal grades, shown as a contiguous range ("KL 2–3, 90 %")."""

from __future__ import annotations

import math

import numpy as np

from osteo_core.vocabulary import grade_range_text


def calibrate_threshold(probabilities: np.ndarray, labels: np.ndarray, coverage: float = 0.9) -> float:
    """Conformal threshold q̂ from held-out calibration data (score = 1 − p(true class)).

    Raises ``ValueError`` when there are too few rows for the requested coverage.
    """
    probabilities = np.asarray(probabilities, dtype=float)
    labels = np.asarray(labels, dtype=int)
    n = labels.size
    rank = math.ceil((n + 1) * coverage)
    if rank > n:
        raise ValueError(f"{n} calibration rows are too few for {coverage:.0%} coverage.")
    scores = 1.0 - probabilities[np.arange(n), labels]
    return float(np.sort(scores)[rank - 1])


def grade_sets(probabilities: np.ndarray, threshold: float) -> list[tuple[int, int]]:
    """For each row, the contiguous grade range (low, high) covering every grade with 1 − p ≤ q̂ (and at least
    the most probable grade). Filling the gaps keeps the set ordinal and can only raise coverage."""
    ranges = []
    for row in np.asarray(probabilities, dtype=float):
        included = np.flatnonzero(1.0 - row <= threshold)
        if included.size == 0:
            included = np.array([int(row.argmax())])
        ranges.append((int(included.min()), int(included.max())))
    return ranges


def format_grade_set(grade_range: tuple[int, int], coverage: float = 0.9) -> str:
    """"KL 2–3, 90 %" or "KL 2, 90 %"."""
    return f"{grade_range_text(*grade_range)}, {coverage:.0%}".replace("%", " %")


def coverage_of(ranges: list[tuple[int, int]], labels: np.ndarray) -> float:
    """Share of labels inside their range."""
    labels = np.asarray(labels, dtype=int)
    return float(np.mean([low <= y <= high for (low, high), y in zip(ranges, labels, strict=True)]))
