"""Train, compare, calibrate and evaluate the clinical risk model on NHANES (self-reported osteoporosis).

Usage: python -m training.train_clinical [--data DIR] [--out models/clinical_risk] [--repeats 3]

Steps: hold out 20 % of participants (stratified by outcome and sex; one row per participant, so the split is
patient-level) → compare candidate models by repeated stratified 5-fold CV on the other 80 % → pick the best
AUC at age 50+ (simplest model within 0.005) → calibrate it (sigmoid, 5-fold) on the 80 % → evaluate once on the
held-out 20 % → write model, manifest, evaluation.json and model_card.md.
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
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import SplineTransformer, StandardScaler
from sklearn.svm import SVC

from osteo_core.clinical.features import MODEL_FEATURES, RaceEncoder
from osteo_core.clinical.risk_model import RiskModel, save_risk_model
from osteo_core.config import data_dir, models_dir
from training.clinical_report import evaluate_holdout, write_model_card
from training.nhanes import load_nhanes

SEED = 42
BAND_THRESHOLDS = (0.05, 0.15)
log = logging.getLogger("train_clinical")


def candidates() -> dict[str, object]:
    """Candidate pipelines; each starts by expanding race and mean-imputing unknown facts."""
    def base():
        return [RaceEncoder(), SimpleImputer(strategy="mean")]

    return {
        "logistic_regression": make_pipeline(*base(), StandardScaler(), LogisticRegression(C=1.0, max_iter=2000)),
        "logistic_regression_splines": make_pipeline(
            *base(), SplineTransformer(n_knots=4, degree=3), StandardScaler(),
            LogisticRegression(C=0.3, max_iter=5000),
        ),
        "random_forest": make_pipeline(
            *base(), RandomForestClassifier(n_estimators=300, min_samples_leaf=20, n_jobs=2, random_state=SEED)
        ),
        "gradient_boosting": make_pipeline(
            *base(), HistGradientBoostingClassifier(max_depth=3, learning_rate=0.05, max_iter=200,
                                                    l2_regularization=1.0, random_state=SEED)
        ),
        "svm_rbf": make_pipeline(*base(), StandardScaler(), SVC(C=0.3, kernel="rbf", class_weight="balanced",
                                                                probability=True, random_state=SEED)),
    }


def compare(X: pd.DataFrame, y: np.ndarray, repeats: int) -> pd.DataFrame:
    """Repeated stratified 5-fold CV of every candidate: mean and SD of AUC (all, age 50+) and Brier."""
    splitter = RepeatedStratifiedKFold(n_splits=5, n_repeats=repeats, random_state=SEED)
    matrix = X[list(MODEL_FEATURES)].to_numpy()
    over50 = X["age"].to_numpy() >= 50
    rows = []
    for name, pipeline in candidates().items():
        started = time.perf_counter()
        scores = {"auc": [], "auc_50plus": [], "brier": []}
        for fold, (train, test) in enumerate(splitter.split(matrix, y)):
            fitted = clone(pipeline).fit(matrix[train], y[train])
            prob = fitted.predict_proba(matrix[test])[:, 1]
            scores["auc"].append(roc_auc_score(y[test], prob))
            mask = over50[test]
            scores["auc_50plus"].append(roc_auc_score(y[test][mask], prob[mask]))
            scores["brier"].append(brier_score_loss(y[test], prob))
            log.info("%s fold %d: AUC %.3f, AUC 50+ %.3f", name, fold + 1, scores["auc"][-1],
                     scores["auc_50plus"][-1])
        row = {"model": name, "seconds": round(time.perf_counter() - started, 1)}
        for key, values in scores.items():
            row[f"{key}_mean"] = round(float(np.mean(values)), 4)
            row[f"{key}_sd"] = round(float(np.std(values)), 4)
        rows.append(row)
        log.info("%s: %s", name, row)
    return pd.DataFrame(rows)


SIMPLICITY = ["logistic_regression", "logistic_regression_splines", "gradient_boosting", "random_forest", "svm_rbf"]


def select(table: pd.DataFrame) -> str:
    """Best mean AUC at age 50+; among models within 0.005 of it, the simplest."""
    best = table["auc_50plus_mean"].max()
    close = set(table.loc[table["auc_50plus_mean"] >= best - 0.005, "model"])
    return next(name for name in SIMPLICITY if name in close)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=data_dir() / "nhanes_osq" / "nhanes_osq.csv")
    parser.add_argument("--out", type=Path, default=models_dir() / "clinical_risk")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s",
                        handlers=[logging.StreamHandler(), logging.FileHandler(args.out / "training.log", "w")])

    X, y, raw = load_nhanes(args.data)
    log.info("rows %d, events %d (%.1f %%)", len(y), y.sum(), 100 * y.mean())
    strata = y * 2 + X["female"].to_numpy().astype(int)
    train_idx, test_idx = train_test_split(np.arange(len(y)), test_size=0.2, stratify=strata, random_state=SEED)
    X_train, y_train = X.iloc[train_idx].reset_index(drop=True), y[train_idx]
    X_test, y_test = X.iloc[test_idx].reset_index(drop=True), y[test_idx]

    table = compare(X_train, y_train, args.repeats)
    chosen = select(table)
    log.info("selected %s", chosen)
    calibrated = CalibratedClassifierCV(candidates()[chosen], method="sigmoid", cv=5)
    calibrated.fit(X_train[list(MODEL_FEATURES)].to_numpy(), y_train)
    background = X_train.sample(200, random_state=SEED).reset_index(drop=True)
    metadata = {
        "name": "clinical_risk",
        "version": f"{date.today().isoformat()}-{chosen}",
        "estimator": chosen,
        "calibration": "sigmoid (Platt), 5-fold CalibratedClassifierCV on the training split",
        "label": "self-reported 'ever told by a doctor you had osteoporosis' (NHANES OSQ060); not DXA",
        "training_rows": int(len(y_train)),
        "training_age_range": [float(X_train["age"].min()), float(X_train["age"].max())],
        "band_thresholds": list(BAND_THRESHOLDS),
    }
    model = RiskModel(pipeline=calibrated, background=background, metadata=metadata)
    save_risk_model(model, args.out)
    # Reload through the public loader so the evaluation scores exactly what ships.
    from osteo_core.clinical.risk_model import load_risk_model

    shipped = load_risk_model(args.out)
    evaluation = evaluate_holdout(shipped, X_test, y_test, raw.iloc[test_idx].reset_index(drop=True))
    evaluation["comparison_cv"] = table.to_dict(orient="records")
    evaluation["split"] = {"train_rows": int(len(y_train)), "test_rows": int(len(y_test)), "seed": SEED,
                           "cv": f"repeated stratified 5-fold x {args.repeats} on the training split"}
    (args.out / "evaluation.json").write_text(json.dumps(evaluation, indent=2) + "\n")
    write_model_card(args.out / "model_card.md", metadata, evaluation)
    log.info("held-out AUC 50+ %s", evaluation["age_50plus"]["auc"])


if __name__ == "__main__":
    main()
