"""Bone density from knee radiographs (DXA-labelled): compare age, clinical, image, image + age and fused models in
the same repeated stratified folds, measure what the image adds beyond age, then ship the image model (and its
Grad-CAM) on the KL-fine-tuned EfficientNet-Lite0 backbone.

Usage: python -m training.train_bone_density --backbone artifacts/bone_density_v2/kl_v2_backbone.keras
       [--backbone-state artifacts/bone_density_v2/kl_v2_backbone_state.json] [--repeats 10] [--pca 16]

Framing is normalised first: each radiograph is cropped to one knee joint (osteo_core/imaging/knee_crop.py, a
template detector; the template is the mean of the KL backbone's training knees). Image features: the backbone's
pooled last feature map, mean of the crop and its mirror image. Models: image features → standardise → PCA (fitted
inside each training fold) → concatenated with standardised age / clinical columns (their own features, never
inside the PCA) → multinomial logistic regression (C by inner CV), plus a ridge regression for the T-score.
Everything is evaluated patient-level (one image per patient) in the same RepeatedStratifiedKFold splits.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
for _threads in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # tiny matrices: no BLAS threads
    os.environ.setdefault(_threads, "1")

import numpy as np  # noqa: E402
from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.linear_model import LogisticRegressionCV, RidgeCV  # noqa: E402
from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedKFold  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer, StandardScaler  # noqa: E402

from osteo_core.config import data_dir, models_dir  # noqa: E402
from osteo_core.imaging.knee_crop import KneeCropper  # noqa: E402
from training.bone_density_card import cohort_facts  # noqa: E402
from training.bone_density_data import CLASSES, CLINICAL_COLUMNS, knee_template, load_images, load_patients  # noqa: E402
from training.bone_density_stats import (  # noqa: E402
    framing_block,
    increments,
    likelihood_ratio_tests,
    summarise,
    within_age_bands,
)

SEED = 5
PCA_COMPONENTS = 16
CS = tuple(np.round(np.geomspace(1e-3, 10, 7), 4))  # 0.001 … 10
FACTS_WEIGHT = 30.0  # clinical columns beside image components: penalised 900 times less (see _design)
WORK = Path("artifacts/bone_density_v2")
DEFAULT_BACKBONE = WORK / "kl_v2_backbone.keras"
# model name → clinical columns that join the image features (None: no image features)
MODELS = {"age": ("age",), "clinical": CLINICAL_COLUMNS, "image": (), "image+age": ("age",), "fused": CLINICAL_COLUMNS}
IMAGE_MODELS = ("image", "image+age", "fused")
FRAMING = ("width", "height", "aspect_ratio", "crop_side_px", "crop_scale")
log = logging.getLogger("train_bone_density")


def upweight_facts(x: np.ndarray) -> np.ndarray:
    """Standardised clinical columns × :data:`FACTS_WEIGHT` (see :func:`_design`)."""
    return x * FACTS_WEIGHT


def _design(n_image: int, n_facts: int, pca: int):
    """Standardise → PCA on the first ``n_image`` columns; standardise the ``n_facts`` others on their own.

    With both, the clinical columns are multiplied by :data:`FACTS_WEIGHT`, so that one L2 penalty shrinks them
    ``FACTS_WEIGHT``² times less than the image components (in effect a clinical model plus a penalised image term
    whose strength the inner CV picks): 16 noisy image components can then no longer drag age down with them.
    """
    if not n_image:
        return StandardScaler()
    image = make_pipeline(StandardScaler(), PCA(pca, random_state=SEED))
    if not n_facts:
        return image
    facts = make_pipeline(StandardScaler(), FunctionTransformer(upweight_facts))
    return ColumnTransformer([("image", image, list(range(n_image))),
                              ("facts", facts, list(range(n_image, n_image + n_facts)))])


def classifier(n_image: int = 0, n_facts: int = 0, pca: int = PCA_COMPONENTS):
    """Multinomial logistic regression (L2, C by 3-fold inner CV on log loss) on the design above."""
    inner = StratifiedKFold(3, shuffle=True, random_state=SEED)
    head = LogisticRegressionCV(Cs=list(CS), l1_ratios=(0.0,), cv=inner, scoring="neg_log_loss", max_iter=5000,
                                use_legacy_attributes=False)
    return make_pipeline(_design(n_image, n_facts, pca), head)


def regressor(n_image: int = 0, n_facts: int = 0, pca: int = PCA_COMPONENTS):
    """Ridge regression of the T-score (alpha by efficient leave-one-out) on the design above."""
    return make_pipeline(_design(n_image, n_facts, pca), RidgeCV(alphas=np.logspace(-2, 3, 12)))


def feature_sets(table, image: np.ndarray, framing: dict[str, np.ndarray]) -> dict[str, tuple[np.ndarray, int]]:
    """{model name: (X, number of leading image columns)} for the comparison and the framing checks."""
    sets = {}
    for name, columns in MODELS.items():
        facts = table[list(columns)].to_numpy(dtype=float) if columns else np.empty((len(table), 0))
        sets[name] = (np.hstack([image, facts]), image.shape[1]) if name in IMAGE_MODELS else (facts, 0)
    for name in FRAMING:
        sets[name] = (framing[name][:, None], 0)
    return sets


def cross_validate(sets: dict[str, tuple[np.ndarray, int]], labels: np.ndarray, t_scores: np.ndarray, repeats: int,
                   pca: int = PCA_COMPONENTS, extra_targets: dict[str, tuple[str, np.ndarray]] | None = None):
    """Out-of-fold 3-class probabilities (repeats, N, 3) and T-score estimates (repeats, N) per feature set, all in
    the same repeated stratified 5-fold splits; ``extra_targets`` {name: (feature set, target)} adds ridge
    regressions of other targets (e.g. age from the image)."""
    splitter = RepeatedStratifiedKFold(n_splits=5, n_repeats=repeats, random_state=SEED)
    probs = {name: np.zeros((repeats, len(labels), 3)) for name in sets}
    t_hat = {name: np.zeros((repeats, len(labels))) for name in sets}
    extra = {name: np.zeros((repeats, len(labels))) for name in extra_targets or {}}
    for fold, (train, test) in enumerate(splitter.split(labels, labels)):
        repeat = fold // 5
        for name, (X, n_image) in sets.items():
            n_facts = X.shape[1] - n_image
            probs[name][repeat, test] = (classifier(n_image, n_facts, pca).fit(X[train], labels[train])
                                         .predict_proba(X[test]))
            t_hat[name][repeat, test] = (regressor(n_image, n_facts, pca).fit(X[train], t_scores[train])
                                         .predict(X[test]))
        for name, (source, target) in (extra_targets or {}).items():
            X, n_image = sets[source]
            extra[name][repeat, test] = (regressor(n_image, X.shape[1] - n_image, pca).fit(X[train], target[train])
                                         .predict(X[test]))
        if fold % 5 == 4:
            log.info("cross-validation: repeat %d of %d", repeat + 1, repeats)
    return probs, t_hat, extra


def backbone_record(path: Path, state_path: Path | None, epoch: int | None, knee_kl_root: Path) -> dict:
    """Which KL checkpoint the features come from: file, sha256, epoch and its val metrics (from the training
    state file), and how many OAI knees it was trained on (our KL training split)."""
    import pandas as pd

    from osteo_core.model_files import file_sha256
    from training.knee_kl_data import assign_splits

    labels = pd.read_csv(knee_kl_root / "labels.csv", dtype={"patient": str})
    record = {"model": "knee_kl_v2 (EfficientNet-Lite0, KL fine-tuned)", "file": str(path),
              "sha256": file_sha256(path), "training_knees": int((assign_splits(labels) == "train").sum()),
              "source": "training_knees: our KL training split (training/knee_kl_data.py); epoch and val metrics "
                        "from the KL v2 training state"}
    if state_path is not None and state_path.exists():
        state = json.loads(state_path.read_text())
        epoch = epoch or (state["best"]["epoch"] if "best" in path.name else state["epoch"])
        history = {row["epoch"]: row for row in state.get("history", [])}
        record |= {"epoch": epoch, "epochs_planned": int(state.get("config", {}).get("epochs", 0)) or None,
                   "val_flip_tta": history.get(epoch, {}).get("val", {}).get("flip_tta")}
    elif epoch:
        record["epoch"] = epoch
    record["version"] = f"knee_kl_v2-epoch{record.get('epoch', 'unknown')}-{record['sha256'][:8]}"
    return record


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=data_dir() / "knee_bone_density")
    parser.add_argument("--knee-kl", type=Path, default=data_dir() / "knee_kl",
                        help="knee_kl data (crop template from our KL training split; training-knee count)")
    parser.add_argument("--backbone", type=Path, default=DEFAULT_BACKBONE,
                        help="KL v2 Keras model (needs the layers 'pool' and 'kl_features')")
    parser.add_argument("--backbone-state", type=Path, default=None,
                        help="the KL v2 state.json the backbone came from (default: <backbone>_state.json if present)")
    parser.add_argument("--backbone-epoch", type=int, default=None, help="override the epoch recorded")
    parser.add_argument("--work", type=Path, default=WORK, help="caches, contact sheet")
    parser.add_argument("--out", type=Path, default=models_dir() / "bone_density_knee")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--pca", type=int, default=PCA_COMPONENTS)
    parser.add_argument("--no-export", action="store_true", help="evaluate only; leave the shipped model alone")
    args = parser.parse_args(argv)
    started = time.time()
    args.out.mkdir(parents=True, exist_ok=True)
    args.work.mkdir(parents=True, exist_ok=True)
    log_file = (args.work if args.no_export else args.out) / "training.log"
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s",
                        handlers=[logging.StreamHandler(), logging.FileHandler(log_file, "w")])
    state = args.backbone_state or args.backbone.with_name(args.backbone.stem + "_state.json")
    backbone = backbone_record(args.backbone, state if state.exists() else None, args.backbone_epoch, args.knee_kl)
    log.info("backbone %s", json.dumps(backbone))

    from training.bone_density_features import contact_sheet, image_features

    table = load_patients(args.data)
    images = load_images(args.data, table)
    cropper = KneeCropper(knee_template(args.knee_kl, args.work / "knee_template.npy"))
    features = image_features(images, args.backbone, cropper, args.work)
    labels, t_scores = table["label"].to_numpy(), table["t_score"].to_numpy(dtype=float)
    ages = table["age"].to_numpy(dtype=float)
    captions = [f"{p.rsplit('/', 1)[-1].rsplit('.', 1)[0]} {CLASSES[k]} {s:.2f}"
                for p, k, s in zip(table["image"], labels, features["boxes"][:, 3], strict=True)]
    sheet = contact_sheet(features["crops"], captions, args.work / "crops.png")
    framing = {"width": features["width"], "height": features["height"],
               "aspect_ratio": features["width"] / features["height"], "crop_side_px": features["boxes"][:, 2],
               "crop_scale": features["scale"]}
    sets = feature_sets(table, features["crop"], framing)
    sets["image_whole_letterboxed"] = (features["whole"], features["whole"].shape[1])
    log.info("patients with image %d, classes %s; %d feature sets, %d repeats", len(labels),
             np.bincount(labels).tolist(), len(sets), args.repeats)
    probs, t_hat, extra = cross_validate(sets, labels, t_scores, args.repeats, args.pca,
                                         extra_targets={"age_from_image": ("image", ages)})
    results = {name: summarise(name, probs[name], t_hat[name], labels, t_scores) for name in MODELS}
    for name, r in results.items():
        log.info("%s: low-mass AUC %s, osteoporosis AUC %s, T MAE %s", name, r["auc_low_bone_mass"],
                 r["auc_osteoporosis"], r["t_score_mae"])
    sensitivity_sets = {name: sets[name] for name in ("image", "fused")}
    sensitivity = {}
    for k in (8, 32):
        p_k, t_k, _ = cross_validate(sensitivity_sets, labels, t_scores, min(args.repeats, 5), k)
        sensitivity[f"pca_{k}"] = {name: summarise(name, p_k[name], t_k[name], labels, t_scores, brief=True)
                                   for name in sensitivity_sets}
    age_hat = extra["age_from_image"].mean(axis=0)
    evaluation = {
        "data": {"patients_with_image": int(len(labels)),
                 "classes": dict(zip(CLASSES, np.bincount(labels).tolist(), strict=True)),
                 "label": "DXA T-score category (WHO); measurement site not documented by the source",
                 "clinical_columns": list(CLINICAL_COLUMNS), "backbone": backbone, "cohort": cohort_facts(table)},
        "cv": f"repeated stratified 5-fold x {args.repeats} (the same splits for every model), one image per "
              "patient; AUC CIs by bootstrap of patients on repeat-averaged out-of-fold predictions; PCA of the image "
              "features fitted inside each training fold; age and clinical columns enter as their own standardised "
              "features",
        "repeats": args.repeats,
        "method": {"crop": f"template matching, osteo_core/imaging/knee_crop.py, margin {cropper.margin:g}",
                   "features": "KL v2 pooled features, mean of crop and mirror image",
                   "pca_components": args.pca, "classifier": "multinomial logistic regression, C by inner 3-fold CV",
                   "t_score": "ridge regression, alpha by leave-one-out",
                   "clinical_beside_image": f"standardised clinical columns x {FACTS_WEIGHT:g} next to the image "
                                            "components, so one L2 penalty shrinks them "
                                            f"{FACTS_WEIGHT ** 2:g} times less (a clinical model plus a penalised "
                                            "image term)"},
        "comparison": results,
        "beyond_age": {"increments": increments(probs, t_hat, labels, t_scores),
                       "within_age_bands": within_age_bands(probs, t_hat, labels, t_scores, ages, list(MODELS)),
                       "likelihood_ratio_tests": likelihood_ratio_tests(table, features["crop"], labels, t_scores,
                                                                        args.pca),
                       "image_predicts_age": {"pearson_r": round(float(np.corrcoef(age_hat, ages)[0, 1]), 3),
                                              "mae_years": round(float(np.abs(age_hat - ages).mean()), 2),
                                              "note": "ridge on the image PCA, same folds"}},
        "framing": framing_block(framing, probs, labels, args.repeats, ages)
        | {"image_whole_letterboxed": summarise("image_whole_letterboxed", probs["image_whole_letterboxed"],
                                                t_hat["image_whole_letterboxed"], labels, t_scores, brief=True),
           "crop": {"contact_sheet": str(args.work / "crops.png"), "sheet_indices": sheet,
                    "side_fraction_of_short_side": {
                        "median": round(float(np.median(framing["crop_side_px"] / np.minimum(
                            framing["width"], framing["height"]))), 3)},
                    "detector_score": {"min": round(float(features["boxes"][:, 3].min()), 3),
                                       "median": round(float(np.median(features["boxes"][:, 3])), 3)}}},
        "pca_sensitivity": sensitivity,
        "image_sizes_note": "source images 805-1024 px per side, framing varies (one knee, both knees, full leg); "
                            "every image is cropped to one knee joint before the model",
    }
    if args.no_export:
        (args.work / "evaluation.json").write_text(json.dumps(evaluation, indent=2) + "\n")
        log.info("evaluation only: %s (%.0f s)", args.work / "evaluation.json", time.time() - started)
        return
    from training.bone_density_export import export_image_model

    dim = features["crop"].shape[1]
    export_image_model(args.backbone, features, cropper, labels, t_scores, results["image"], evaluation, args.out,
                       classifier(dim, 0, args.pca), regressor(dim, 0, args.pca), table, args.data, started)


if __name__ == "__main__":
    main()
