"""Fit the image model on all patients, fold the linear head into Keras layers on the KL backbone, check it
reproduces the scikit-learn pipeline, and write model, manifest, evaluation and card."""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path

import numpy as np

from osteo_core.explain.faithfulness import deletion_insertion
from osteo_core.imaging.bone_density import DENSITY_CLASSES, BoneDensityModel, load_bone_density_model
from osteo_core.imaging.kl_model import LAST_CONV_LAYER
from osteo_core.model_files import write_manifest
from training.bone_density_card import write_density_card
from training.bone_density_data import load_images

log = logging.getLogger("train_bone_density")


def affine_map(function, dimension: int) -> tuple[np.ndarray, np.ndarray]:
    """(A, b) with function(x) == x @ A + b for an affine ``function`` of ``dimension`` inputs."""
    probes = np.vstack([np.zeros(dimension), np.eye(dimension)])
    values = np.asarray(function(probes)).reshape(dimension + 1, -1)
    return values[1:] - values[0], values[0]


def build_density_keras(kl_model, logits_map, t_map):
    import keras
    from keras import layers

    pooled = kl_model.get_layer("pool").output
    logits = layers.Dense(3, name="density_logits")(pooled)
    t_score = layers.Dense(1, name="t_score")(pooled)
    model = keras.Model(kl_model.inputs, [logits, t_score], name="bone_density_knee")
    model.get_layer("density_logits").set_weights([logits_map[0].astype("float32"), logits_map[1].astype("float32")])
    model.get_layer("t_score").set_weights([t_map[0].astype("float32"), t_map[1].astype("float32")])
    return model


def _faithfulness(density: BoneDensityModel, images: list[np.ndarray]) -> dict:
    from osteo_core.explain.gradcam import make_cam
    from osteo_core.imaging.preprocess import prepare_for_model

    def predict(batch):
        return np.asarray(density.model.predict(batch, verbose=0)[0])

    rows = {}
    for method in ("gradcam", "gradcam++"):
        cam = make_cam(density.model, LAST_CONV_LAYER, method, output_index=0, on_logits=True)
        scores = []
        for image in images:
            x = prepare_for_model(image, density.size)
            maps, probs = cam(x[None])
            target = int(np.argmax(probs[0]))
            scores.append(deletion_insertion(lambda b: _softmax_rows(predict(b)), x, maps[0], target, steps=10))
        rows[method] = {k: round(float(np.mean([s[k] for s in scores])), 4) for k in scores[0]}
    return rows


def _softmax_rows(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def export_image_model(kl_model, embeddings, labels, t_scores, cv_result: dict, evaluation: dict, out: Path,
                       classifier, regressor, table, root: Path) -> None:
    """Fit on all patients, export, verify, evaluate faithfulness and latency, and write the card."""
    classifier.fit(embeddings, labels)
    regressor.fit(embeddings, t_scores)
    dim = embeddings.shape[1]
    model = build_density_keras(kl_model, affine_map(classifier.decision_function, dim),
                                affine_map(regressor.predict, dim))
    weights = out / "model.keras"
    model.save(weights)
    counts = np.bincount(labels, minlength=3)
    metadata = {
        "name": "bone_density_knee", "version": f"{date.today().isoformat()}-klbackbone-linear",
        "classes": list(DENSITY_CLASSES), "input_size": int(model.input_shape[1]),
        "training_prevalence": {name: round(float(c / counts.sum()), 4) for name, c in zip(DENSITY_CLASSES, counts,
                                                                                        strict=True)}
        | {"low_bone_mass": round(float((labels >= 1).mean()), 4)},
        "t_interval": {"half_width": cv_result["t_score_abs_error_q90"], "coverage": 0.9,
                       "from": "90th percentile of cross-validated absolute T-score errors"},
        "label": "DXA T-score WHO category; site not documented",
    }
    write_manifest(out, weights, metadata)
    density = load_bone_density_model(out)
    images = load_images(root, table)
    check = density.predict(images[:16])
    reference = classifier.predict_proba(embeddings[:16])
    gap = float(np.abs(np.array([[p.probabilities[c] for c in DENSITY_CLASSES] for p in check]) - reference).max())
    log.info("Keras export vs scikit-learn pipeline: max probability difference %.2e", gap)
    if gap > 1e-3:
        raise RuntimeError(f"exported model differs from the fitted pipeline by {gap}")
    evaluation["export_max_probability_difference"] = gap
    sample = list(np.random.default_rng(0).choice(len(images), 30, replace=False))
    evaluation["faithfulness"] = {"images": 30, "note": "in-sample (the shipped model saw these patients)",
                                  **_faithfulness(density, [images[i] for i in sample])}
    from training.latency import measure_latency

    evaluation["latency"] = measure_latency(density, images[:30])
    evaluation["model"] = metadata
    (out / "evaluation.json").write_text(json.dumps(evaluation, indent=2) + "\n")
    write_density_card(out / "model_card.md", evaluation)
