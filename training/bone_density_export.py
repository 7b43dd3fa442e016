"""Fit the image model on all patients, fold the linear heads (standardise → PCA → logistic / ridge) into Keras
layers on the KL v2 backbone, check the export reproduces the scikit-learn pipeline on the runtime's knee crops, and
write model, crop template, manifest, evaluation and card."""

from __future__ import annotations

import json
import logging
import time
from datetime import date
from pathlib import Path

import numpy as np

from osteo_core.explain.faithfulness import deletion_insertion
from osteo_core.imaging.bone_density import DENSITY_CLASSES, BoneDensityModel, load_bone_density_model
from osteo_core.imaging.kl_model import LAST_CONV_LAYER
from osteo_core.imaging.knee_crop import KneeCropper
from osteo_core.model_files import write_manifest
from training.bone_density_card import write_density_card
from training.bone_density_features import POOL_LAYER

log = logging.getLogger("train_bone_density")
TEMPLATE_FILE = "knee_template.npy"


def affine_map(function, dimension: int) -> tuple[np.ndarray, np.ndarray]:
    """(A, b) with function(x) == x @ A + b for an affine ``function`` of ``dimension`` inputs."""
    probes = np.vstack([np.zeros(dimension), np.eye(dimension)])
    values = np.asarray(function(probes)).reshape(dimension + 1, -1)
    return values[1:] - values[0], values[0]


def build_density_keras(backbone, logits_map, t_map):
    """(class logits, T-score) heads on the backbone's pooled features; Grad-CAM reads ``kl_features``."""
    import keras
    from keras import layers

    pooled = backbone.get_layer(POOL_LAYER).output
    logits = layers.Dense(3, name="density_logits")(pooled)
    t_score = layers.Dense(1, name="t_score")(pooled)
    model = keras.Model(backbone.inputs, [logits, t_score], name="bone_density_knee")
    model.get_layer("density_logits").set_weights([logits_map[0].astype("float32"), logits_map[1].astype("float32")])
    model.get_layer("t_score").set_weights([t_map[0].astype("float32"), t_map[1].astype("float32")])
    return model


def _softmax_rows(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _faithfulness(density: BoneDensityModel, images: list[np.ndarray]) -> dict:
    from osteo_core.explain.gradcam import make_cam
    from osteo_core.imaging.preprocess import prepare_for_model

    def predict(batch):
        return _softmax_rows(np.asarray(density.model.predict(batch, verbose=0)[0]))

    rows = {}
    for method in ("gradcam", "gradcam++"):
        cam = make_cam(density.model, LAST_CONV_LAYER, method, output_index=0, on_logits=True)
        scores = []
        for image in images:
            x = prepare_for_model(image, density.size)
            maps, probs = cam(x[None])
            scores.append(deletion_insertion(predict, x, maps[0], int(np.argmax(probs[0])), steps=10))
        rows[method] = {k: round(float(np.mean([s[k] for s in scores])), 4) for k in scores[0]}
    return rows


def _crop_latency(cropper: KneeCropper, images: list[np.ndarray]) -> dict[str, float]:
    samples = []
    for image in images:
        tick = time.perf_counter()
        cropper(image)
        samples.append(1000 * (time.perf_counter() - tick))
    p50, p95 = np.percentile(samples, [50, 95])
    return {"p50_ms": round(float(p50), 1), "p95_ms": round(float(p95), 1), "images": len(images)}


def export_image_model(backbone_path: Path, features: dict, cropper: KneeCropper, labels: np.ndarray,
                       t_scores: np.ndarray, cv_result: dict, evaluation: dict, out: Path, classifier, regressor,
                       table, root: Path, started: float) -> None:
    """Fit on all patients, export, verify (through the runtime loader and the manifest's crop), evaluate
    faithfulness and latency, and write the card. Raises RuntimeError when the export differs from the pipeline."""
    import keras
    from sklearn.metrics import roc_auc_score

    from training.bone_density_data import load_images

    embeddings = features["crop"]
    classifier.fit(embeddings, labels)
    regressor.fit(embeddings, t_scores)
    dim = embeddings.shape[1]
    backbone = keras.models.load_model(backbone_path, compile=False)
    model = build_density_keras(backbone, affine_map(classifier.decision_function, dim),
                                affine_map(regressor.predict, dim))
    weights = out / "model.keras"
    model.save(weights)
    np.save(out / TEMPLATE_FILE, cropper.template.astype(np.float32))
    counts = np.bincount(labels, minlength=3)
    backbone_info = evaluation["data"]["backbone"]
    metadata = {
        "name": "bone_density_knee",
        "version": f"{date.today().isoformat()}-klv2e{backbone_info.get('epoch', 'x')}-kneecrop-linear",
        "classes": list(DENSITY_CLASSES), "input_size": int(model.input_shape[1]),
        "training_prevalence": {name: round(float(c / counts.sum()), 4) for name, c in zip(DENSITY_CLASSES, counts,
                                                                                        strict=True)}
        | {"low_bone_mass": round(float((labels >= 1).mean()), 4)},
        "t_interval": {"half_width": cv_result["t_score_abs_error_q90"], "coverage": 0.9,
                       "from": "90th percentile of cross-validated absolute T-score errors"},
        "label": "DXA T-score WHO category; site not documented",
        "crop": {"method": "knee joint by template matching (osteo_core.imaging.knee_crop.KneeCropper)",
                 "template": TEMPLATE_FILE, "scales": list(cropper.scales), "margin": cropper.margin,
                 "min_std": cropper.min_std,
                 "required": "the model was trained on knee crops: crop every image with KneeCropper.from_manifest "
                             "before prepare() (predict and heatmap)"},
        "gradcam_layer": LAST_CONV_LAYER,
        "backbone": {k: backbone_info[k] for k in ("model", "version", "epoch", "sha256") if k in backbone_info},
    }
    manifest = write_manifest(out, weights, metadata)
    load_bone_density_model.cache_clear()
    density = load_bone_density_model(out)
    runtime_crop = KneeCropper.from_manifest(out, manifest)
    images = load_images(root, table)
    crops = [runtime_crop(im) for im in images]
    check = density.predict(crops[:16])
    reference = classifier.predict_proba(embeddings[:16])
    gap = float(np.abs(np.array([[p.probabilities[c] for c in DENSITY_CLASSES] for p in check]) - reference).max())
    t_gap = float(np.abs(np.array([p.t_score for p in check]) - regressor.predict(embeddings[:16])).max())
    log.info("Keras export vs scikit-learn pipeline: max probability difference %.2e, T-score %.2e", gap, t_gap)
    if gap > 1e-3 or t_gap > 1e-2:
        raise RuntimeError(f"exported model differs from the fitted pipeline by {gap} (probability), {t_gap} (T)")
    evaluation["export_max_probability_difference"] = gap
    heat = density.heatmap(crops[0])
    log.info("heatmap on a crop: shape %s, max %.3f", heat.shape, float(heat.max()))
    low_mass = (labels >= 1).astype(int)
    in_sample = {}
    for name, views in (("with_crop", crops), ("without_crop", images)):
        predictions = density.predict(views)
        in_sample[name] = round(float(roc_auc_score(low_mass, [1 - p.probabilities["normal"] for p in predictions])),
                                4)
    evaluation["in_sample_auc_low_bone_mass"] = in_sample | {
        "note": "the shipped model on the patients it was fitted on (not a performance estimate): with the runtime "
                "knee crop, and on whole letterboxed images (what the runtime sees if it does not crop)"}
    sample = list(np.random.default_rng(0).choice(len(crops), 30, replace=False))
    evaluation["faithfulness"] = {"images": 30, "note": "in-sample knee crops (the shipped model saw these patients)",
                                  **_faithfulness(density, [crops[i] for i in sample])}
    from training.latency import measure_latency

    evaluation["latency"] = measure_latency(density, crops[:30]) | {"knee_crop": _crop_latency(runtime_crop,
                                                                                               images[:30])}
    evaluation["model"] = metadata
    evaluation["run_seconds"] = round(time.time() - started)
    (out / "evaluation.json").write_text(json.dumps(evaluation, indent=2) + "\n")
    write_density_card(out / "model_card.md", evaluation)
    log.info("wrote %s (%.0f s in all)", out, time.time() - started)
