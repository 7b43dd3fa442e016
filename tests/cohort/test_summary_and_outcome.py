"""Summary dashboard numbers (referrals, shares, agreement, drivers) and outcome metrics, checked by hand."""

import numpy as np
import pandas as pd
import pytest

from osteo_core.clinical.risk_model import load_risk_model
from osteo_core.cohort import outcome, summary
from osteo_core.cohort.demo import demo_cohort
from osteo_core.cohort.score import score_table
from osteo_core.metrics import auc_with_ci


def _analysis(risk, ost=None, outcome_values=None, sex=None, age=None):
    n = len(risk)
    frame = pd.DataFrame({"valid": ~np.isnan(risk), "osteo_risk": risk, "band": "", "age": age or [65.0] * n,
                          "sex": sex or ["female"] * n, "ost": ost or [np.nan] * n, "orai": np.nan,
                          "score": np.nan})
    frame["age_band"] = summary.age_band(frame["age"])
    if outcome_values is not None:
        frame["outcome"] = outcome_values
    return frame


def test_referral_of_top_share_counts_scans_and_sets_the_cut_off():
    analysis = _analysis(np.array([0.5, 0.1, np.nan, 0.3, 0.2, 0.05, 0.4, 0.01, 0.02, 0.03, 0.04]))
    rule = summary.referral(analysis, 0.2)
    assert (rule.count, rule.scored, rule.threshold) == (2, 10, 0.4)
    assert "Refer the top 20 % (2 of 10 scored patients) → 2 DXA scans" in rule.sentence()
    assert summary.referral(analysis, 0.0).count == 0
    assert summary.capacity_share(analysis, 5) == 0.5
    with pytest.raises(ValueError, match="got 1.5"):
        summary.referral(analysis, 1.5)


def test_flag_shares_and_agreement_by_hand():
    analysis = _analysis(np.array([0.3, 0.3, 0.01, 0.01]), ost=[1.0, 0.0, 1.0, 0.0],
                         sex=["female", "male", "female", "male"], age=[55.0, 75.0, 75.0, 55.0])
    shares = summary.flag_shares(analysis, 0.2).set_index("group")
    assert shares.loc["All", "model refers (%)"] == 50.0 and shares.loc["All", "OST flags (%)"] == 50.0
    assert shares.loc["Age: 70–79", "patients"] == 2 and shares.loc["Sex: male", "OST flags (%)"] == 0.0
    agreement = summary.agreement(analysis, 0.2).set_index("tool").loc["OST"]
    assert (agreement["both refer"], agreement["tool only"], agreement["model only"], agreement["neither"]) == \
        (1, 1, 1, 1)
    assert agreement["agreement (%)"] == 50.0 and agreement["Cohen's kappa"] == 0.0
    assert summary.tools_without_patients(analysis) == ["ORAI", "SCORE"]
    assert "ORAI flags (%)" not in shares and summary.agreement(analysis, 0.2)["tool"].tolist() == ["OST"]


def test_analysis_frame_and_global_drivers_on_a_scored_cohort():
    model = load_risk_model()
    frame = demo_cohort(300, seed=1, model=model)
    result = score_table(frame, model)
    analysis = summary.analysis_frame(result.scored, result.values, outcome.parse_outcome(frame["outcome"]))
    assert len(analysis) == 300 and set(analysis["outcome"].dropna().unique()) <= {0.0, 1.0}
    assert analysis.loc[~analysis["valid"], "ost"].isna().all()
    importance, size = summary.global_drivers(result.values, analysis["valid"].to_numpy(), model, sample_size=12)
    assert size == 12 and len(importance) == 10 and (importance >= 0).all()
    assert importance.index[0] in {"age", "female", "weight_kg", "height_cm", "prior_fracture"}
    with pytest.raises(ValueError, match="got 500"):
        summary.global_drivers(result.values, analysis["valid"].to_numpy(), model, sample_size=500)
    for figure in (summary.risk_distribution_figure(analysis, model.band_thresholds, 0.1),
                   summary.referral_curve_figure(analysis, summary.referral(analysis, 0.1)),
                   summary.flag_shares_figure(summary.flag_shares(analysis, 0.1)),
                   summary.drivers_figure(importance, size)):
        assert figure.data


def test_parse_outcome_reads_yes_no_words():
    values = outcome.parse_outcome(pd.Series(["1", "0", "yes", "No", "", "maybe", None, "1.0"]))
    assert np.array_equal(values, [1, 0, 1, 0, np.nan, np.nan, np.nan, 1], equal_nan=True)


def test_delong_auc_matches_the_bootstrap_and_wilson_interval_by_hand():
    rng = np.random.default_rng(0)
    y = (rng.random(2000) < 0.2).astype(int)
    p = np.round(rng.random(2000) * 0.5 + 0.25 * y, 2)
    fast, boot = outcome.auc_delong(y, p), auc_with_ci(y, p, n_boot=300)
    assert abs(fast.value - boot.value) < 1e-12
    assert abs(fast.low - boot.low) < 0.01 and abs(fast.high - boot.high) < 0.01
    low, high = outcome.wilson(8, 10)
    assert (round(low, 3), round(high, 3)) == (0.490, 0.943)
    with pytest.raises(outcome.OutcomeError, match="both outcomes"):
        outcome.auc_delong([1, 1], [0.2, 0.3])


def test_confusion_and_net_benefit_by_hand():
    analysis = _analysis(np.array([0.9, 0.8, 0.3, 0.2, 0.1] * 2), outcome_values=[1, 0, 1, 0, 0] * 2)
    rows = outcome.usable(analysis)
    table = outcome.confusion(rows, 0.5)
    assert table.loc["referred", "outcome 1"] == 2 and table.loc["referred", "outcome 0"] == 2
    assert table.loc["not referred", "outcome 1"] == 2 and table.loc["not referred", "outcome 0"] == 4
    assert table.attrs["metrics"]["sensitivity"].startswith("50.0 %")
    benefit = outcome.net_benefit(rows, np.array([0.25])).iloc[0]
    assert benefit["model"] == pytest.approx(4 / 10 - 2 / 10 * (0.25 / 0.75))  # TP/n - FP/n * t/(1-t)
    assert benefit["refer all"] == pytest.approx(0.4 - 0.6 / 3)
    groups = outcome.subgroups(rows, 0.5)
    assert groups.loc[0, "group"] == "All" and groups.loc[0, "patients"] == 10
    for figure in (outcome.roc_figure(rows, 0.5), outcome.calibration_figure(rows, bins=2),
                   outcome.decision_curve_figure(rows)):
        assert figure.data


def test_outcome_with_a_single_class_is_refused():
    analysis = _analysis(np.linspace(0.1, 0.5, 20), outcome_values=[0] * 20)
    with pytest.raises(outcome.OutcomeError, match="both 1 and 0"):
        outcome.usable(analysis)


@pytest.mark.real_data
def test_nhanes_self_report_outcome_gives_a_sensible_auc(real_data_dir):
    from osteo_core.cohort.reading import read_table

    path = real_data_dir / "nhanes_osq" / "nhanes_osq.csv"
    loaded = read_table(path.read_bytes(), path.name)
    model = load_risk_model()
    result = score_table(loaded.frame, model)
    analysis = summary.analysis_frame(result.scored, result.values,
                                      outcome.parse_outcome(loaded.frame["osteoporosis_selfreport"]))
    head = outcome.headline(outcome.usable(analysis))
    assert 0.6 < head["AUC"].value < 0.95
