import numpy as np
import pytest

from osteo_core.metrics import auc_with_ci, brier, calibration_slope_intercept, sensitivity_specificity


def test_calibration_of_well_calibrated_probabilities_is_ideal():
    rng = np.random.default_rng(0)
    prob = rng.uniform(0.01, 0.6, 40_000)
    y = rng.uniform(size=prob.size) < prob
    slope, intercept = calibration_slope_intercept(y, prob)
    assert slope == pytest.approx(1.0, abs=0.05)
    assert intercept == pytest.approx(0.0, abs=0.05)


def test_calibration_detects_overconfident_probabilities():
    rng = np.random.default_rng(1)
    true = rng.uniform(0.05, 0.5, 20_000)
    y = rng.uniform(size=true.size) < true
    logit = np.log(true / (1 - true))
    overconfident = 1 / (1 + np.exp(-2 * logit))
    slope, _ = calibration_slope_intercept(y, overconfident)
    assert slope == pytest.approx(0.5, abs=0.08)


def test_auc_with_ci_brackets_the_estimate():
    rng = np.random.default_rng(2)
    y = np.r_[np.zeros(300), np.ones(100)]
    score = y + rng.normal(0, 1, y.size)
    estimate = auc_with_ci(y, score, n_boot=200)
    assert estimate.low < estimate.value < estimate.high
    assert 0.7 < estimate.value < 0.85


def test_auc_with_ci_refuses_single_class():
    with pytest.raises(ValueError, match="both outcomes"):
        auc_with_ci(np.zeros(5), np.arange(5))


def test_brier_and_sensitivity():
    assert brier([0, 1], [0.0, 1.0]) == 0.0
    stats = sensitivity_specificity([1, 1, 0, 0], [1, 0, 0, 1])
    assert stats == {"sensitivity": 0.5, "specificity": 0.5, "share_flagged": 0.5}


def test_auc_delong_paired_matches_sklearn_and_centres_the_difference():
    from sklearn.metrics import roc_auc_score

    from osteo_core.metrics import auc_delong_paired

    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 400)
    a = y + rng.normal(0, 1.0, 400)
    b = y + rng.normal(0, 2.0, 400)
    result = auc_delong_paired(y, a, b)
    assert result["a"]["value"] == pytest.approx(roc_auc_score(y, a), abs=1e-4)
    assert result["b"]["value"] == pytest.approx(roc_auc_score(y, b), abs=1e-4)
    diff = result["difference"]
    assert diff["ci95_low"] < diff["value"] < diff["ci95_high"]
    assert diff["value"] == pytest.approx(result["a"]["value"] - result["b"]["value"], abs=1e-4)
    same = auc_delong_paired(y, a, a)["difference"]
    assert same["value"] == 0 and same["ci95_low"] == pytest.approx(0) == same["ci95_high"]
    with pytest.raises(ValueError, match="both outcomes|at least 2"):
        auc_delong_paired(np.zeros(10), a[:10], b[:10])


def test_headline_metrics_of_kl_grades_by_hand():
    from osteo_core.metrics_ordinal import headline_metrics

    truth, predicted = np.array([0, 1, 2, 3, 4, 4]), np.array([0, 1, 2, 4, 2, 4])
    out = headline_metrics(truth, predicted)
    assert set(out) == {"accuracy", "qwk", "mae"}
    assert out["accuracy"] == round(4 / 6, 4) and out["mae"] == 0.5
    assert 0.5 < out["qwk"] < 1.0
    assert headline_metrics(truth, truth)["qwk"] == 1.0
