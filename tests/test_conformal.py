import numpy as np
import pytest

from osteo_core.conformal import calibrate_threshold, coverage_of, format_grade_set, grade_sets


def _synthetic(n, seed):
    rng = np.random.default_rng(seed)
    probabilities = rng.dirichlet(np.ones(5) * 0.7, size=n)
    labels = np.array([rng.choice(5, p=p) for p in probabilities])
    return probabilities, labels


def test_split_conformal_reaches_requested_coverage_on_fresh_data():
    cal_p, cal_y = _synthetic(2000, 0)
    test_p, test_y = _synthetic(4000, 1)
    threshold = calibrate_threshold(cal_p, cal_y, coverage=0.9)
    coverage = coverage_of(grade_sets(test_p, threshold), test_y)
    assert 0.88 <= coverage <= 0.97


def test_grade_sets_are_contiguous_and_include_the_top_grade():
    probabilities = np.array([[0.5, 0.05, 0.4, 0.05, 0.0], [0.0, 0.0, 0.1, 0.2, 0.7]])
    assert grade_sets(probabilities, threshold=0.65) == [(0, 2), (4, 4)]
    assert grade_sets(probabilities, threshold=0.0) == [(0, 0), (4, 4)]


def test_format_grade_set():
    assert format_grade_set((2, 3), 0.9) == "KL 2–3, 90 %"
    assert format_grade_set((1, 1), 0.9) == "KL 1, 90 %"


def test_calibrate_threshold_refuses_too_few_rows():
    with pytest.raises(ValueError, match="too few"):
        calibrate_threshold(np.full((5, 5), 0.2), np.zeros(5, dtype=int), coverage=0.9)
