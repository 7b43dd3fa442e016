"""Held-out evaluation and model card of the clinical risk model."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from osteo_core.clinical.features import FEATURE_LABELS
from osteo_core.clinical.risk_model import RiskModel
from osteo_core.clinical.tools import ost
from osteo_core.explain.shap_risk import global_importance
from osteo_core.metrics import (
    auc_with_ci,
    brier,
    calibration_slope_intercept,
    calibration_table,
    sensitivity_specificity,
)

AGE_BANDS = [(40, 49), (50, 59), (60, 69), (70, 80)]


def _ost_scores(X: pd.DataFrame) -> pd.DataFrame:
    values = pd.DataFrame({"age": X["age"], "weight_kg": X["weight_kg"],
                           "sex": np.where(X["female"] == 1, "female", "male")})
    result = ost(values)
    return pd.DataFrame({"risk_score": -result.score, "flag": result.flag})


def _paired_auc_difference(y, a, b, n_boot=1000, seed=0) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    diffs = []
    for _ in range(n_boot):
        idx = np.concatenate([rng.choice(pos, pos.size), rng.choice(neg, neg.size)])
        diffs.append(roc_auc_score(y[idx], a[idx]) - roc_auc_score(y[idx], b[idx]))
    low, high = np.percentile(diffs, [2.5, 97.5])
    return {"value": round(float(roc_auc_score(y, a) - roc_auc_score(y, b)), 4),
            "ci95_low": round(float(low), 4), "ci95_high": round(float(high), 4)}


def _block(y: np.ndarray, prob: np.ndarray, ost_risk: np.ndarray, detailed: bool = True) -> dict:
    block: dict = {"rows": int(len(y)), "events": int(y.sum()), "observed_rate": round(float(y.mean()), 4),
                   "mean_predicted": round(float(prob.mean()), 4)}
    if y.sum() >= 5 and (len(y) - y.sum()) >= 5:
        block["auc"] = auc_with_ci(y, prob).as_dict()
        block["ost_auc"] = auc_with_ci(y, ost_risk).as_dict()
    if detailed:
        slope, intercept = calibration_slope_intercept(y, prob)
        block["brier"] = round(brier(y, prob), 4)
        block["calibration_slope"] = round(slope, 3)
        block["calibration_intercept"] = round(intercept, 3)
    return block


def evaluate_holdout(model: RiskModel, X: pd.DataFrame, y: np.ndarray, raw: pd.DataFrame) -> dict:
    """All held-out metrics: overall, age 50+, by sex, by age band, thresholds, calibration, SHAP importance."""
    prob = model.predict(X)
    tools = _ost_scores(X)
    ost_risk = tools["risk_score"].to_numpy()
    over50 = X["age"].to_numpy() >= 50
    result = {"all_ages": _block(y, prob, ost_risk), "age_50plus": _block(y[over50], prob[over50], ost_risk[over50])}
    result["age_50plus"]["auc_minus_ost_auc"] = _paired_auc_difference(y[over50], prob[over50], ost_risk[over50])
    by_sex = {}
    for label, female in (("female", 1), ("male", 0)):
        for scope, mask in (("all_ages", X["female"] == female), ("age_50plus", (X["female"] == female) & over50)):
            m = mask.to_numpy()
            by_sex[f"{label}_{scope}"] = _block(y[m], prob[m], ost_risk[m])
    result["by_sex"] = by_sex
    result["by_age_band"] = {
        f"{lo}-{hi}": _block(y[m], prob[m], ost_risk[m], detailed=False)
        for lo, hi in AGE_BANDS
        for m in [((X["age"] >= lo) & (X["age"] <= hi)).to_numpy()]
    }
    moderate, high = model.band_thresholds
    y50, p50 = y[over50], prob[over50]
    result["thresholds_age_50plus"] = {
        f"model >= {moderate:.0%}": sensitivity_specificity(y50, p50 >= moderate),
        f"model >= {high:.0%}": sensitivity_specificity(y50, p50 >= high),
        "OST flag (women < 2, men < 4)": sensitivity_specificity(y50, tools["flag"].to_numpy()[over50] == 1),
    }
    result["calibration_table_age_50plus"] = calibration_table(y50, p50)
    sample = X.sample(min(300, len(X)), random_state=0)
    importance = global_importance(model, sample)
    result["global_shap_importance"] = {
        "units": "mean |SHAP| in probability (0-1) on held-out rows", "rows": int(len(sample)),
        "values": {k: round(float(v), 5) for k, v in importance.items()},
    }
    return result


def _fmt(est: dict | None) -> str:
    if not est:
        return "n/a (too few events)"
    return f"{est['value']:.3f} ({est['ci95_low']:.3f}–{est['ci95_high']:.3f})"


def write_model_card(path, metadata: dict, ev: dict) -> None:
    """Write the Markdown model card from the training metadata and the held-out evaluation."""
    a50 = ev["age_50plus"]
    lines = [
        "# Model card: clinical osteoporosis risk (NHANES, self-reported diagnosis)",
        "",
        f"Version `{metadata['version']}`. Estimator: {metadata['estimator']}, calibrated by "
        f"{metadata['calibration']}. Evaluation file: [evaluation.json](evaluation.json). "
        "Retrain: `python -m training.train_clinical`.",
        "",
        "## Intended use",
        "An aid for deciding whom to refer for a DXA scan, for adults aged 40–80, alongside the validated screening "
        "tools (OST, ORAI, SCORE) shown beside it. It is **not a diagnosis** and it does not estimate fracture risk.",
        "",
        "## Out of scope",
        "- Diagnosing osteoporosis or ruling it out (only DXA does that); deciding treatment.",
        "- People under 40 or over 80 (outside the training data), children, and anyone already diagnosed or on "
        "osteoporosis treatment.",
        "- Populations unlike the US NHANES sample without local validation.",
        "",
        "## Data and label",
        "- US NHANES 2013–14 and 2017–March 2020 (public domain, CDC/NCHS); adults 40–80 with a questionnaire "
        "answer and weight and height; one row per participant.",
        f"- Label: {metadata['label']}. Self-report **undercounts undiagnosed disease**, so the model learns who has "
        "been *diagnosed*, which also reflects access to care and testing.",
        "- Predictors: age, sex, race/ethnicity, weight, height, prior fracture, parental hip fracture, daily "
        "glucocorticoids (ever), current smoking, alcohol drinks/day. Never used: osteoporosis treatment "
        "(`osteoporosis_rx`), survey weights, or anything downstream of the diagnosis.",
        "- Alcohol is asked only of past-year drinkers: a missing value is a non-drinker and is set to 0. Facts "
        "unknown at prediction time are replaced by the training mean (prevalence).",
        f"- Split: {ev['split']['test_rows']} participants held out (20 %, stratified by outcome and sex); model "
        f"comparison by {ev['split']['cv']}. Survey weights are not used: metrics describe the sample, not the "
        "US population.",
        "",
        "## Model comparison (cross-validation on the training split)",
        "",
        "| model | AUC (all) | AUC age 50+ | Brier | seconds |",
        "|---|---|---|---|---|",
    ]
    for row in ev["comparison_cv"]:
        lines.append(f"| {row['model']} | {row['auc_mean']:.3f} ± {row['auc_sd']:.3f} | "
                     f"{row['auc_50plus_mean']:.3f} ± {row['auc_50plus_sd']:.3f} | {row['brier_mean']:.4f} | "
                     f"{row['seconds']} |")
    lines += [
        "",
        "## Held-out results",
        "",
        "| rows | n | events | AUC (95 % CI) | OST AUC, same rows | Brier | calibration slope | intercept |",
        "|---|---|---|---|---|---|---|---|",
    ]
    scopes = [("all ages", ev["all_ages"]), ("age 50+", a50)] + [
        (k.replace("_", " "), v) for k, v in ev["by_sex"].items()]
    for label, block in scopes:
        lines.append(f"| {label} | {block['rows']} | {block['events']} | {_fmt(block.get('auc'))} | "
                     f"{_fmt(block.get('ost_auc'))} | {block.get('brier', '')} | {block.get('calibration_slope', '')}"
                     f" | {block.get('calibration_intercept', '')} |")
    diff = a50["auc_minus_ost_auc"]
    lines += [
        "",
        f"Age 50+: model AUC minus OST AUC = {diff['value']:.3f} (95 % CI {diff['ci95_low']:.3f} to "
        f"{diff['ci95_high']:.3f}). Goal was AUC ≥ 0.85, ≥ OST + 0.05 and calibration slope 0.9–1.1.",
        "",
        "### By age band",
        "",
        "| age | n | events | observed | mean predicted | AUC | OST AUC |",
        "|---|---|---|---|---|---|---|",
    ]
    for band, block in ev["by_age_band"].items():
        lines.append(f"| {band} | {block['rows']} | {block['events']} | {block['observed_rate']:.3f} | "
                     f"{block['mean_predicted']:.3f} | {_fmt(block.get('auc'))} | {_fmt(block.get('ost_auc'))} |")
    lines += ["", "### Referral thresholds, age 50+", "", "| rule | sensitivity | specificity | share flagged |",
              "|---|---|---|---|"]
    for rule, stats in ev["thresholds_age_50plus"].items():
        lines.append(f"| {rule} | {stats['sensitivity']:.3f} | {stats['specificity']:.3f} | "
                     f"{stats['share_flagged']:.3f} |")
    moderate, high = metadata["band_thresholds"]
    lines += [
        "",
        f"Risk bands shown in the app: low < {moderate:.0%}, moderate {moderate:.0%}–{high:.0%}, high ≥ {high:.0%}. "
        "They are product choices read off the table above, not guideline thresholds.",
        "",
        "## Global importance (SHAP)",
        "",
        f"{ev['global_shap_importance']['units']}, {ev['global_shap_importance']['rows']} rows.",
        "",
        "| factor | mean abs(SHAP) |",
        "|---|---|",
    ]
    for feature, value in ev["global_shap_importance"]["values"].items():
        lines.append(f"| {FEATURE_LABELS.get(feature, feature)} | {value:.4f} |")
    lines += [
        "",
        "## Caveats",
        "- The label is a self-reported diagnosis, not a DXA result: true osteoporosis is more common than the "
        "label says, especially in men, who are rarely tested.",
        "- Associations are not causes: the SHAP 'modifiable factors' show how the model's estimate moves, not "
        "what changing a habit would do to bone.",
        "- Cross-sectional data: prior fracture may have led to the diagnosis rather than the reverse.",
    ]
    path.write_text("\n".join(lines) + "\n")
