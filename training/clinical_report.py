"""Held-out evaluation and model card of the clinical model (hip DXA osteoporosis and femoral-neck T-score)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from osteo_core.clinical.features import FEATURE_LABELS, MODEL_FEATURES
from osteo_core.clinical.fields import RACE_CHOICES, RACE_LABELS
from osteo_core.clinical.risk_model import RiskModel
from osteo_core.clinical.tools import ost
from osteo_core.cohort.outcome import net_benefit
from osteo_core.explain.shap_risk import global_importance
from osteo_core.metrics import (
    auc_delong_paired,
    brier,
    calibration_slope_intercept,
    calibration_table,
    sensitivity_specificity,
)
from training.clinical_fit import TOOL_ASSUMPTIONS, Rows, tool_scores

AGE_BANDS = [(40, 49), (50, 59), (60, 69), (70, 80)]
DECISION_THRESHOLDS = np.array([0.02, 0.03, 0.05, 0.075, 0.10, 0.15, 0.20, 0.30])  # shown on the card


def _auc_block(y: np.ndarray, prob: np.ndarray, ost_risk: np.ndarray) -> dict:
    block: dict = {"rows": int(len(y)), "events": int(y.sum()), "observed_rate": round(float(y.mean()), 4),
                   "mean_predicted": round(float(prob.mean()), 4)}
    if y.sum() >= 5 and (len(y) - y.sum()) >= 5:
        block["auc"] = auc_delong_paired(y, prob, prob)["a"]
    known = np.isfinite(ost_risk)  # OST is validated from age 50
    if y[known].sum() >= 5 and (known.sum() - y[known].sum()) >= 5:
        paired = auc_delong_paired(y[known], prob[known], ost_risk[known])
        block["ost_rows"], block["ost_auc"], block["auc_minus_ost"] = int(known.sum()), paired["b"], paired[
            "difference"]
    return block


def _calibration_block(y: np.ndarray, prob: np.ndarray) -> dict:
    slope, intercept = calibration_slope_intercept(y, prob)
    return {"brier": round(brier(y, prob), 4), "calibration_slope": round(slope, 3),
            "calibration_intercept": round(intercept, 3)}


def _t_block(truth: np.ndarray, estimate, mask: np.ndarray) -> dict:
    inside = (truth >= estimate.low) & (truth <= estimate.high)
    return {"rows": int(mask.sum()),
            "mae": round(float(np.mean(np.abs(truth[mask] - estimate.estimate[mask]))), 3),
            "coverage_80": round(float(inside[mask].mean()), 3),
            "mean_width": round(float(np.mean(estimate.high[mask] - estimate.low[mask])), 3)}


def evaluate_holdout(model: RiskModel, test: Rows) -> dict:
    """All held-out metrics: discrimination beside OST/ORAI/SCORE (paired DeLong), calibration, subgroups by sex,
    age band and race/ethnicity, thresholds, decision curve, T-score error and interval coverage, SHAP importance."""
    prob = model.predict(test.inputs)
    y = test.labels
    tools = tool_scores(test.values)
    ost_risk = tools["OST"]
    age = test.inputs["age"].to_numpy()
    female = test.inputs["female"].to_numpy() >= 0.5
    over50 = age >= 50
    result: dict = {"outcome": "hip DXA osteoporosis (lower of femoral-neck and total-hip T ≤ −2.5)"}
    for scope, mask in (("all_ages", np.ones_like(over50)), ("age_50plus", over50)):
        result[scope] = _auc_block(y[mask], prob[mask], ost_risk[mask]) | _calibration_block(y[mask], prob[mask])
    versus = {}
    for tool, values in tools.items():
        both = over50 & np.isfinite(values)
        paired = auc_delong_paired(y[both], prob[both], values[both])
        versus[tool] = {"rows": int(both.sum()), "events": int(y[both].sum()), "model_auc": paired["a"],
                        "tool_auc": paired["b"], "model_minus_tool": paired["difference"]}
    result["versus_tools_age_50plus"] = versus
    groups: dict[str, dict] = {"sex": {}, "age_band": {}, "race": {}}
    for label, mask in (("female", female), ("male", ~female)):
        groups["sex"][label] = _auc_block(y[mask & over50], prob[mask & over50], ost_risk[mask & over50])
    for lo, hi in AGE_BANDS:
        mask = (age >= lo) & (age <= hi)
        groups["age_band"][f"{lo}-{hi}"] = _auc_block(y[mask], prob[mask], ost_risk[mask])
    race = test.inputs["race"].to_numpy()
    for code, name in enumerate(RACE_CHOICES):
        mask = (race == code) & over50
        groups["race"][RACE_LABELS[name]] = _auc_block(y[mask], prob[mask], ost_risk[mask])
    result["subgroups"] = groups
    moderate, high = model.band_thresholds
    y50, p50 = y[over50], prob[over50]
    result["thresholds_age_50plus"] = {
        f"model >= {moderate:.0%}": sensitivity_specificity(y50, p50 >= moderate),
        f"model >= {high:.0%}": sensitivity_specificity(y50, p50 >= high),
        "OST flag (women < 2, men < 4)": sensitivity_specificity(y50, ost(test.values).flag.to_numpy()[over50] == 1),
    }
    result["calibration_table_age_50plus"] = calibration_table(y50, p50)
    curve = net_benefit(pd.DataFrame({"outcome": y50, "risk": p50}), DECISION_THRESHOLDS)
    result["decision_curve_age_50plus"] = [
        {"threshold": round(float(r["threshold"]), 3), "net_benefit_model": round(float(r["model"]), 5),
         "net_benefit_refer_all": round(float(r["refer all"]), 5),
         "share_referred": round(float((p50 >= r["threshold"]).mean()), 4)} for _, r in curve.iterrows()]
    estimate = model.predict_t_score(test.inputs)
    truth = test.t_scores
    result["t_score"] = {
        "target": "femoral-neck T-score (SD)",
        "overall": _t_block(truth, estimate, np.ones_like(over50)),
        "age_50plus": _t_block(truth, estimate, over50),
        "female": _t_block(truth, estimate, female),
        "male": _t_block(truth, estimate, ~female),
        "by_age_band": {f"{lo}-{hi}": _t_block(truth, estimate, (age >= lo) & (age <= hi)) for lo, hi in AGE_BANDS},
        "baseline_mae_predict_mean": round(float(np.mean(np.abs(truth - truth.mean()))), 3),
    }
    sample = test.inputs.sample(min(300, len(y)), random_state=0)
    importance = global_importance(model, sample)
    result["global_shap_importance"] = {
        "units": "mean |SHAP| in probability (0-1) on held-out rows", "rows": int(len(sample)),
        "values": {k: round(float(v), 5) for k, v in importance.items()},
    }
    return result


def _ci(est: dict | None) -> str:
    if not est:
        return "n/a (too few events)"
    return f"{est['value']:.3f} ({est['ci95_low']:.3f}–{est['ci95_high']:.3f})"


_PREDICTORS = [
    ("Age", "years", "RIDAGEYR", "required"),
    ("Sex", "female/male", "RIAGENDR", "required"),
    ("Weight", "kg", "BMXWT (measured)", "required"),
    ("Height", "cm", "BMXHT (measured)", "required"),
    ("Race/ethnicity", "6 NHANES groups", "RIDRETH3", "training share of each group"),
    ("Prior fracture (hip, wrist or spine) after age 20", "yes/no", "OSQ010a–c", "training prevalence"),
    ("Parent's hip fracture", "yes/no", "OSQ170/OSQ200", "training prevalence"),
    ("Glucocorticoids daily for 1+ month, ever", "yes/no", "OSQ130", "training prevalence"),
    ("Current smoking", "yes/no", "SMQ040", "training prevalence"),
    ("Alcohol 3 or more drinks a day", "drinks/day, used as ≥ 3", "ALQ130", "training prevalence; blank in NHANES "
     "(asked of past-year drinkers only) was read as 0"),
]


def _targets_text(ev: dict) -> str:
    """The targets and, computed from the evaluation, how far the model families and the learning curve spread."""
    families = [r["auc_50plus_mean"] for r in ev["comparison_cv"] if r["model"] not in ("OST", "ORAI", "SCORE")]
    curve = ev["learning_curve"]
    half = next(p for p in curve if p["fraction_of_training_fold"] == 0.5)["logistic_sex_interactions"]
    full = curve[-1]["logistic_sex_interactions"]
    a50, t = ev["age_50plus"], ev["t_score"]["overall"]
    return (
        "Targets: AUC ≥ 0.88 at 50+ and ≥ OST + 0.03; calibration slope 0.8–1.2; T-score MAE ≤ 0.70 with 80 % "
        f"coverage 0.77–0.83. Held out: AUC {a50['auc']['value']:.3f}, OST + {a50['auc_minus_ost']['value']:.3f}, "
        f"slope {a50['calibration_slope']}, MAE {t['mae']:.3f}, coverage {t['coverage_80']:.3f}. In cross-validation "
        f"the five model families span {min(families):.3f}–{max(families):.3f} AUC, and doubling the training rows "
        f"(50 % → 100 % of each fold) moves the shipped design from {half:.3f} to {full:.3f}: what limits the "
        "estimate is the handful of facts a clinician can give in a minute, not the model family or the amount of "
        "data."
    )


def write_model_card(path, metadata: dict, ev: dict) -> None:
    """Write the Markdown model card (TRIPOD+AI items) from the training metadata and the evaluation file."""
    a50, t = ev["age_50plus"], ev["t_score"]
    lines = [
        "# Model card: clinical estimate of hip DXA osteoporosis and femoral-neck T-score (NHANES)",
        "",
        f"Version `{metadata['version']}`. {metadata['estimator']}; {metadata['calibration']}. Evaluation file: "
        "[evaluation.json](evaluation.json). Retrain: `python -m training.train_clinical`.",
        "",
        "## Intended use",
        "An aid for deciding whom to send for a DXA scan: adults **aged 50–80**, alongside the validated screening "
        "tools (OST, ORAI, SCORE). It gives (1) the estimated chance that a hip DXA would show osteoporosis and (2) an "
        "estimated femoral-neck T-score with an 80 % prediction interval. Both are **estimates, not a diagnosis**; "
        "only DXA measures bone density. It does not estimate fracture risk.",
        "",
        "## Out of scope",
        "- Diagnosing osteoporosis or ruling it out, or deciding treatment.",
        "- People under 40 (no scans in the data): the app shows the estimate with an extrapolation warning. Ages "
        "40–49 come from one survey cycle only (2013–14 scanned from 40, 2017–20 from 50): shown with a warning.",
        "- People over 80 (NHANES top-codes age at 80), children, anyone already diagnosed or treated.",
        "- Populations unlike the US NHANES sample without local validation.",
        "",
        "## Data and label (TRIPOD+AI 5–8)",
        "- US NHANES 2013–14 and 2017–March 2020 (public domain, CDC/NCHS), participants with a complete hip DXA "
        f"scan (DXXFEM) and valid age, sex, weight and height: {ev['split']['train_rows'] + ev['split']['test_rows']}"
        " participants, one row each.",
        f"- **Label**: {metadata['label']}. The self-reported diagnosis (OSQ060) is **not** used: it ranks DXA "
        "osteoporosis with AUC ≈ 0.63 and reflects who gets tested.",
        f"- **T-score target**: {metadata['t_score']}.",
        f"- Split: {ev['split']['test_rows']} participants held out (20 %, stratified by outcome and sex, seed "
        f"{ev['split']['seed']}); model comparison by {ev['split']['cv']}. Survey weights are not used: figures "
        "describe the sample, not the US population.",
        "",
        "## Predictors and missing data (TRIPOD+AI 7, 9)",
        "",
        "| predictor | unit | NHANES source | when unknown at prediction time |",
        "|---|---|---|---|",
        *[f"| {name} | {unit} | {code} | {missing} |" for name, unit, code, missing in _PREDICTORS],
        "",
        "The equations use sex interactions (age, log weight, height and race, each × female), BMI and log weight. "
        "Menopause status is not in the NHANES extract and is not used. A risk factor whose fitted coefficient came "
        "out protective is removed rather than shown as protective: "
        f"risk equation: {metadata['fit']['risk_columns_dropped_as_protective'] or 'none'}; T-score equation: "
        f"{metadata['fit']['t_score_columns_dropped_as_protective'] or 'none'}. Alcohol enters only as '3 or more "
        "drinks a day' (the FRAX/NOGG threshold), so a higher intake can never lower the estimate.",
        "",
        "## Model comparison (repeated CV on the training split, age 50+)",
        "",
        "| model | AUC 50+ (mean ± SD over folds) | on OST rows | on ORAI rows | on SCORE rows |",
        "|---|---|---|---|---|",
    ]
    for row in ev["comparison_cv"]:
        lines.append(f"| {row['description']} | {row['auc_50plus_mean']:.3f} ± {row['auc_50plus_sd']:.3f} | "
                     f"{row.get('auc_on_OST_rows', '')} | {row.get('auc_on_ORAI_rows', '')} | "
                     f"{row.get('auc_on_SCORE_rows', '')} |")
    sel = ev["selection"]
    lines += ["", f"Selection rule: {sel['rule']} Best family: `{sel['best_family']}`; shipped: `{sel['shipped']}`.",
              "", "Learning curve (CV AUC 50+ by share of each training fold):", "",
              "| share | rows | shipped design | gradient boosting |", "|---|---|---|---|"]
    for p in ev["learning_curve"]:
        lines.append(f"| {p['fraction_of_training_fold']:.0%} | {p['training_rows']} | "
                     f"{p['logistic_sex_interactions']:.3f} | {p['gradient_boosting_monotone']:.3f} |")
    lines += ["", "## Held-out results", "",
              "### Discrimination beside the screening tools (age 50+, same rows, DeLong 95 % CIs)", "",
              "| tool | rows | events | model AUC | tool AUC | difference |", "|---|---|---|---|---|---|"]
    for tool, v in ev["versus_tools_age_50plus"].items():
        lines.append(f"| {tool} | {v['rows']} | {v['events']} | {_ci(v['model_auc'])} | {_ci(v['tool_auc'])} | "
                     f"{_ci(v['model_minus_tool'])} |")
    lines += [
        "", f"ORAI and SCORE apply to women only, so they are compared on women. NHANES lacks facts they ask for: "
        f"{TOOL_ASSUMPTIONS}.", "",
        "### Calibration (age 50+)", "",
        f"Slope {a50['calibration_slope']}, intercept {a50['calibration_intercept']}, Brier {a50['brier']}; "
        f"observed {a50['observed_rate']:.3f}, mean predicted {a50['mean_predicted']:.3f}.", "",
        "| decile | n | mean predicted | observed |", "|---|---|---|---|",
        *[f"| {i + 1} | {r['n']} | {r['mean_predicted']:.3f} | {r['observed']:.3f} |"
          for i, r in enumerate(ev["calibration_table_age_50plus"])],
        "", "### Subgroups (AUC with DeLong 95 % CI; sex and race at age 50+)", "",
        "| group | n | events | observed | mean predicted | AUC | OST AUC |", "|---|---|---|---|---|---|---|",
    ]
    for kind, groups in ev["subgroups"].items():
        for name, b in groups.items():
            lines.append(f"| {kind}: {name} | {b['rows']} | {b['events']} | {b['observed_rate']:.3f} | "
                         f"{b['mean_predicted']:.3f} | {_ci(b.get('auc'))} | {_ci(b.get('ost_auc'))} |")
    lines += ["", "### Referral thresholds (age 50+)", "", "| rule | sensitivity | specificity | share flagged |",
              "|---|---|---|---|"]
    for rule, s in ev["thresholds_age_50plus"].items():
        lines.append(f"| {rule} | {s['sensitivity']:.3f} | {s['specificity']:.3f} | {s['share_flagged']:.3f} |")
    moderate, high = metadata["band_thresholds"]
    lines += [
        "", f"Risk bands in the app: low < {moderate:.0%}, moderate {moderate:.0%}–{high:.0%}, high ≥ {high:.0%} "
        "(product choices read off this table, not guideline thresholds).", "",
        "### Decision curve (age 50+): net benefit of referring for DXA when the estimate ≥ threshold", "",
        "| threshold | model | refer everyone | share referred |", "|---|---|---|---|",
        *[f"| {r['threshold']:.1%} | {r['net_benefit_model']:.4f} | {r['net_benefit_refer_all']:.4f} | "
          f"{r['share_referred']:.3f} |" for r in ev["decision_curve_age_50plus"]],
        "", "### Estimated femoral-neck T-score", "",
        "| rows | n | MAE (SD) | 80 % interval coverage | mean width |", "|---|---|---|---|---|",
    ]
    for name in ("overall", "age_50plus", "female", "male"):
        b = t[name]
        lines.append(f"| {name.replace('_', ' ')} | {b['rows']} | {b['mae']:.3f} | {b['coverage_80']:.3f} | "
                     f"{b['mean_width']:.2f} |")
    for band, b in t["by_age_band"].items():
        lines.append(f"| age {band} | {b['rows']} | {b['mae']:.3f} | {b['coverage_80']:.3f} | {b['mean_width']:.2f} |")
    lines += [
        "", f"Predicting the mean for everyone gives MAE {t['baseline_mae_predict_mean']:.3f}.", "",
        "## Global importance (SHAP)", "",
        f"{ev['global_shap_importance']['units']}, {ev['global_shap_importance']['rows']} rows.", "",
        "| factor | mean abs(SHAP) |", "|---|---|",
        *[f"| {FEATURE_LABELS.get(f, f)} | {v:.4f} |" for f, v in ev["global_shap_importance"]["values"].items()],
        "",
        "## Targets and what limits them",
        _targets_text(ev),
        "",
        "## Caveats",
        "- Cross-sectional: the model describes who *has* low hip bone density, not who will fracture.",
        "- Associations are not causes: SHAP shows how the estimate moves, not what changing a habit would do.",
        "- T-scores use the NHANES III young white women reference for everyone (ISCD); WHO categories apply to "
        "postmenopausal women and men 50+.",
        f"- Features: {', '.join(MODEL_FEATURES)}.",
    ]
    path.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":  # rewrite a card from its folder's manifest and evaluation file, without retraining
    import json
    import sys
    from pathlib import Path

    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "models/clinical_risk")
    write_model_card(folder / "model_card.md", json.loads((folder / "manifest.json").read_text()),
                     json.loads((folder / "evaluation.json").read_text()))
