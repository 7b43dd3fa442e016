"""Bone density from knee radiographs (DXA-labelled): compare age, clinical, image and fused models in the same
repeated stratified folds, then ship the image model (and its Grad-CAM) built on our own KL knee backbone.

Usage: python -m training.train_bone_density [--repeats 10]

The set is tiny (210 patients with an image, 30 normal), so the image model is a linear head on frozen features of
the KL network trained on 5,778 OAI knees (domain pretraining we own): mean of the image and its mirror image,
letterboxed so that size and framing cannot become a shortcut; standardised, reduced by PCA and fed to a
multinomial logistic regression (C chosen by inner CV), plus a ridge regression for the T-score.
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.linear_model import LogisticRegressionCV, RidgeCV  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402
from sklearn.model_selection import RepeatedStratifiedKFold  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from osteo_core.config import data_dir, models_dir  # noqa: E402
from osteo_core.metrics import auc_with_ci, calibration_slope_intercept  # noqa: E402
from training.bone_density_data import CLINICAL_COLUMNS, load_images, load_patients  # noqa: E402
from training.bone_density_export import export_image_model  # noqa: E402

SEED = 5
PCA_COMPONENTS = 12
log = logging.getLogger("train_bone_density")


def embed(kl_model, images: list[np.ndarray], size: int) -> np.ndarray:
    """Pooled KL-network features (mean of image and mirror image) for each radiograph."""
    import keras

    from osteo_core.imaging.preprocess import prepare_for_model

    extractor = keras.Model(kl_model.inputs, kl_model.get_layer("pool").output)
    batch = np.stack([prepare_for_model(im, size) for im in images])
    plain = extractor.predict(batch, batch_size=32, verbose=0)
    mirror = extractor.predict(batch[:, :, ::-1], batch_size=32, verbose=0)
    return (plain + mirror) / 2


def classifier(image: bool):
    steps = [StandardScaler()]
    if image:
        steps.append(PCA(n_components=PCA_COMPONENTS, random_state=SEED))
    steps.append(LogisticRegressionCV(Cs=[0.01, 0.03, 0.1, 0.3, 1.0], cv=3, max_iter=5000, scoring="neg_log_loss"))
    return make_pipeline(*steps)


def regressor(image: bool):
    steps = [StandardScaler()] + ([PCA(n_components=PCA_COMPONENTS, random_state=SEED)] if image else [])
    return make_pipeline(*steps, RidgeCV(alphas=np.logspace(-2, 3, 12)))


def cross_validate(features: dict[str, np.ndarray], labels: np.ndarray, t_scores: np.ndarray, repeats: int):
    """Out-of-fold 3-class probabilities and T-score estimates per feature set, averaged over repeats."""
    splitter = RepeatedStratifiedKFold(n_splits=5, n_repeats=repeats, random_state=SEED)
    probs = {name: np.zeros((repeats, len(labels), 3)) for name in features}
    t_hat = {name: np.zeros((repeats, len(labels))) for name in features}
    for fold, (train, test) in enumerate(splitter.split(labels, labels)):
        repeat = fold // 5
        for name, X in features.items():
            image = name in ("image", "image+age", "fused")
            probs[name][repeat, test] = classifier(image).fit(X[train], labels[train]).predict_proba(X[test])
            t_hat[name][repeat, test] = regressor(image).fit(X[train], t_scores[train]).predict(X[test])
        if fold % 10 == 9:
            log.info("cross-validation: %d of %d folds", fold + 1, 5 * repeats)
    return probs, t_hat


def summarise(name: str, probs: np.ndarray, t_hat: np.ndarray, labels: np.ndarray, t_scores: np.ndarray) -> dict:
    low_mass, osteoporosis = (labels >= 1).astype(int), (labels == 2).astype(int)
    mean_p = probs.mean(axis=0)
    per_repeat_low = [roc_auc_score(low_mass, 1 - p[:, 0]) for p in probs]
    per_repeat_op = [roc_auc_score(osteoporosis, p[:, 2]) for p in probs]
    slope, intercept = calibration_slope_intercept(low_mass, 1 - mean_p[:, 0])
    errors = np.abs(t_hat.mean(axis=0) - t_scores)
    return {
        "model": name,
        "auc_low_bone_mass": auc_with_ci(low_mass, 1 - mean_p[:, 0]).as_dict()
        | {"repeat_sd": round(float(np.std(per_repeat_low)), 4)},
        "auc_osteoporosis": auc_with_ci(osteoporosis, mean_p[:, 2]).as_dict()
        | {"repeat_sd": round(float(np.std(per_repeat_op)), 4)},
        "calibration_low_bone_mass": {"slope": round(slope, 3), "intercept": round(intercept, 3)},
        "t_score_mae": round(float(errors.mean()), 3),
        "t_score_pearson_r": round(float(np.corrcoef(t_hat.mean(axis=0), t_scores)[0, 1]), 3),
        "t_score_abs_error_q90": round(float(np.quantile(errors, 0.9)), 3),
    }


def _within(mask: np.ndarray, labels_binary: np.ndarray, scores: dict[str, np.ndarray]) -> dict:
    y = labels_binary[mask]
    if y.min() == y.max():
        return {"n": int(mask.sum()), "note": "one class only"}
    out = {"n": int(mask.sum()), "positives": int(y.sum())}
    for name, score in scores.items():
        out[name] = round(float(roc_auc_score(y, score[mask])), 4)
    return out


def main() -> None:
    import keras

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=data_dir() / "knee_bone_density")
    parser.add_argument("--kl-model", type=Path, default=models_dir() / "knee_kl" / "model.keras")
    parser.add_argument("--out", type=Path, default=models_dir() / "bone_density_knee")
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s",
                        handlers=[logging.StreamHandler(), logging.FileHandler(args.out / "training.log", "w")])
    table = load_patients(args.data)
    kl_model = keras.models.load_model(args.kl_model, compile=False)
    size = int(kl_model.input_shape[1])
    embeddings = embed(kl_model, load_images(args.data, table), size)
    labels, t_scores = table["label"].to_numpy(), table["t_score"].to_numpy(dtype=float)
    clinical = table[list(CLINICAL_COLUMNS)].to_numpy(dtype=float)
    age = table[["age"]].to_numpy(dtype=float)
    features = {"age": age, "clinical": clinical, "image": embeddings,
                "image+age": np.hstack([embeddings, age]), "fused": np.hstack([embeddings, clinical])}
    log.info("patients with image %d, classes %s", len(labels), np.bincount(labels).tolist())
    probs, t_hat = cross_validate(features, labels, t_scores, args.repeats)
    results = {name: summarise(name, probs[name], t_hat[name], labels, t_scores) for name in features}
    low_mass, op = (labels >= 1).astype(int), (labels == 2).astype(int)
    mean = {name: p.mean(axis=0) for name, p in probs.items()}
    ages = table["age"].to_numpy()
    beyond_age = {
        "image_plus_age_minus_age_auc_low_bone_mass": round(
            results["image+age"]["auc_low_bone_mass"]["value"] - results["age"]["auc_low_bone_mass"]["value"], 4),
        "image_plus_age_minus_age_auc_osteoporosis": round(
            results["image+age"]["auc_osteoporosis"]["value"] - results["age"]["auc_osteoporosis"]["value"], 4),
        "low_bone_mass_within_age_under_50": _within(ages < 50, low_mass, {k: 1 - v[:, 0] for k, v in mean.items()}),
        "osteoporosis_within_age_50_plus": _within(ages >= 50, op, {k: v[:, 2] for k, v in mean.items()}),
    }
    evaluation = {
        "data": {"patients_with_image": int(len(labels)), "classes": dict(zip(("normal", "osteopenia", "osteoporosis"),
                                                                               np.bincount(labels).tolist(),
                                                                               strict=True)),
                 "label": "DXA T-score category (WHO); measurement site not documented by the source"},
        "cv": f"repeated stratified 5-fold x {args.repeats}, one image per patient; AUC CIs by bootstrap of "
              "patients on repeat-averaged out-of-fold predictions",
        "comparison": results, "beyond_age": beyond_age,
        "image_sizes_note": "source images 839-1024 px, framing varies (one knee, both knees, full leg); all "
                            "letterboxed to the model input",
    }
    for name, r in results.items():
        log.info("%s: low-mass AUC %s, osteoporosis AUC %s, T MAE %s", name, r["auc_low_bone_mass"]["value"],
                 r["auc_osteoporosis"]["value"], r["t_score_mae"])
    export_image_model(kl_model, embeddings, labels, t_scores, results["image"], evaluation, args.out,
                       classifier(True), regressor(True), table, args.data)


if __name__ == "__main__":
    main()
