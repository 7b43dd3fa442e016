"""Train, compare, calibrate and evaluate the clinical model on NHANES hip DXA (osteoporosis_dxa_hip, fn_t_score).

Usage: python -m training.train_clinical [--data FILE] [--out models/clinical_risk] [--repeats 3]

Steps: keep participants with a complete hip DXA scan (ages 40–80; one row per participant, so every split is
patient-level) → hold out 20 % (stratified by outcome and sex) → compare model families and OST/ORAI/SCORE by
repeated stratified 5-fold CV on the other 80 % (AUC at age 50+) → learning curve → fit the shipped equations on the
80 % (Platt recalibration and the T-score interval from out-of-fold predictions) → evaluate once on the held-out
20 % → write model.json, manifest, evaluation.json and model_card.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedKFold, train_test_split

from osteo_core.clinical.risk_model import RiskModel, load_risk_model, save_risk_model
from osteo_core.config import data_dir, models_dir
from training.clinical_fit import CANDIDATES, SEED, SHIPPABLE, SIMPLICITY, Rows, fit_equations, tool_scores
from training.clinical_report import evaluate_holdout, write_model_card
from training.nhanes import load_nhanes

BAND_THRESHOLDS = (0.05, 0.15)
log = logging.getLogger("train_clinical")


def _strata(rows: Rows) -> np.ndarray:
    return rows.labels * 2 + rows.inputs["female"].to_numpy().astype(int)


def compare(rows: Rows, repeats: int) -> pd.DataFrame:
    """Repeated stratified 5-fold CV: AUC at age 50+ of every candidate and of each screening tool on the same
    rows (the tools only where they apply: ORAI and SCORE are for women), mean and SD over folds."""
    splitter = RepeatedStratifiedKFold(n_splits=5, n_repeats=repeats, random_state=SEED)
    tools = tool_scores(rows.values)
    over50 = rows.inputs["age"].to_numpy() >= 50
    scores: dict[str, list[float]] = {}
    paired: dict[str, list[float]] = {}
    seconds: dict[str, float] = {}
    for fold, (train, test) in enumerate(splitter.split(rows.matrix, _strata(rows))):
        y = rows.labels[test]
        mask = over50[test]
        for name, (_, fit) in CANDIDATES.items():
            started = time.perf_counter()
            predicted = fit(rows.take(train))(rows.take(test))
            seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - started
            scores.setdefault(name, []).append(roc_auc_score(y[mask], predicted[mask]))
            for tool, values in tools.items():  # model vs tool on the rows where the tool applies
                both = mask & np.isfinite(values[test])
                paired.setdefault(f"{name}|{tool}", []).append(roc_auc_score(y[both], predicted[both]))
        for tool, values in tools.items():
            both = mask & np.isfinite(values[test])
            scores.setdefault(tool, []).append(roc_auc_score(y[both], values[test][both]))
        log.info("fold %d: %s", fold + 1, {k: round(v[-1], 3) for k, v in scores.items()})
    rows_out = []
    for name, values in scores.items():
        row = {"model": name, "description": CANDIDATES[name][0] if name in CANDIDATES else f"{name} alone",
               "auc_50plus_mean": round(float(np.mean(values)), 4), "auc_50plus_sd": round(float(np.std(values)), 4),
               "seconds": round(seconds.get(name, 0.0), 1)}
        for tool in tools:
            key = f"{name}|{tool}"
            if key in paired:
                row[f"auc_on_{tool}_rows"] = round(float(np.mean(paired[key])), 4)
        rows_out.append(row)
    return pd.DataFrame(rows_out)


def select(table: pd.DataFrame) -> str:
    """Best mean CV AUC at 50+ among the model families; within 0.003 of the best, the simplest."""
    families = table[table["model"].isin(CANDIDATES)]
    best = families["auc_50plus_mean"].max()
    close = set(families.loc[families["auc_50plus_mean"] >= best - 0.003, "model"])
    return next(name for name in SIMPLICITY if name in close)


def learning_curve(rows: Rows, fractions=(0.25, 0.5, 1.0)) -> list[dict]:
    """CV AUC at 50+ of the shipped design and of gradient boosting when trained on a fraction of each fold's
    training part: a flat curve means more rows of the same facts would not help."""
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
    rng = np.random.default_rng(SEED)
    over50 = rows.inputs["age"].to_numpy() >= 50
    result = []
    for fraction in fractions:
        entry: dict = {"fraction_of_training_fold": fraction}
        for name in ("logistic_sex_interactions", "gradient_boosting_monotone"):
            aucs = []
            for train, test in folds.split(rows.matrix, _strata(rows)):
                part = rng.choice(train, max(50, int(fraction * len(train))), replace=False)
                predicted = CANDIDATES[name][1](rows.take(part))(rows.take(test))
                aucs.append(roc_auc_score(rows.labels[test][over50[test]], predicted[over50[test]]))
            entry[name] = round(float(np.mean(aucs)), 4)
        entry["training_rows"] = int(fraction * len(rows.labels) * 0.8)
        result.append(entry)
        log.info("learning curve %s", entry)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=data_dir() / "nhanes_osq" / "nhanes_osq.csv")
    parser.add_argument("--out", type=Path, default=models_dir() / "clinical_risk")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s",
                        handlers=[logging.StreamHandler(), logging.FileHandler(args.out / "training.log", "w")])

    data = load_nhanes(args.data)
    rows = Rows(data.inputs, data.values, data.labels, data.t_scores)
    log.info("participants with a hip DXA scan %d, DXA osteoporosis %d (%.1f %%)", len(rows.labels),
             rows.labels.sum(), 100 * rows.labels.mean())
    train_idx, test_idx = train_test_split(np.arange(len(rows.labels)), test_size=0.2, stratify=_strata(rows),
                                           random_state=SEED)
    train, test = rows.take(train_idx), rows.take(test_idx)

    table = compare(train, args.repeats)
    log.info("comparison\n%s", table.to_string())
    chosen = select(table)
    shipped = chosen if chosen in SHIPPABLE else SHIPPABLE[0]
    if shipped != chosen:
        log.warning("best family %s is not shippable as equations; shipping %s", chosen, shipped)
    curve = learning_curve(train)

    equations, fit_summary = fit_equations(train)
    log.info("fit: %s", fit_summary)
    background = train.inputs.sample(200, random_state=SEED).reset_index(drop=True)
    metadata = {
        "name": "clinical_risk",
        "version": f"{date.today().isoformat()}-dxa-{shipped}",
        "estimator": CANDIDATES[shipped][0],
        "calibration": "Platt recalibration of the linear predictor on 5-fold out-of-fold predictions "
                       "(training split)",
        "label": "hip DXA osteoporosis: the lower of the femoral-neck and total-hip T-scores ≤ −2.5 (WHO), "
                 "NHANES III young white women reference (NHANES DXXFEM, column osteoporosis_dxa_hip)",
        "t_score": "femoral-neck T-score (NHANES DXXFEM DXXNKBMD → T with 0.858 ± 0.120 g/cm²), 80 % "
                   "split-conformal prediction interval by sex",
        "intended_age": [50, 80],
        "training_rows": int(len(train.labels)),
        "training_age_range": [float(train.inputs["age"].min()), float(train.inputs["age"].max())],
        "band_thresholds": list(BAND_THRESHOLDS),
        "fit": fit_summary,
    }
    save_risk_model(RiskModel(equations=equations, background=background, metadata=metadata), args.out)
    load_risk_model.cache_clear()
    model = load_risk_model(args.out)  # evaluate exactly what ships
    evaluation = evaluate_holdout(model, test)
    evaluation["selection"] = {"best_family": chosen, "shipped": shipped, "rule": select.__doc__}
    evaluation["comparison_cv"] = [{k: v for k, v in row.items() if v == v}  # NaN (tools vs themselves) left out
                                   for row in table.to_dict(orient="records")]
    evaluation["learning_curve"] = curve
    evaluation["split"] = {"train_rows": int(len(train.labels)), "test_rows": int(len(test.labels)), "seed": SEED,
                           "cv": f"repeated stratified 5-fold x {args.repeats} on the training split"}
    (args.out / "evaluation.json").write_text(json.dumps(evaluation, indent=2) + "\n")
    write_model_card(args.out / "model_card.md", metadata, evaluation)
    log.info("held-out AUC 50+ %s; T-score MAE %s", evaluation["age_50plus"]["auc"],
             evaluation["t_score"]["overall"]["mae"])


if __name__ == "__main__":
    main()
