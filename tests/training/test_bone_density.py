"""Bone density v2 training: age enters as its own feature (not inside the image PCA), the statistics of the
comparison, the export round trip through the runtime loader with the knee crop, and the card's headline."""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from osteo_core.imaging.bone_density import DENSITY_CLASSES, load_bone_density_model
from osteo_core.imaging.knee_crop import KneeCropper, build_knee_template
from osteo_core.model_files import write_manifest
from tests.tiny_models import build_tiny_kl_model
from training.bone_density_card import image_adds_beyond_clinical, write_density_card
from training.bone_density_export import affine_map, build_density_keras
from training.bone_density_features import embed, pooled_extractor
from training.bone_density_stats import auc_ci, framing_block, increments, summarise, within_age_bands
from training.train_bone_density import classifier, regressor


def _cohort(n: int = 150, seed: int = 0):
    """Age drives the label; 300 image features are pure noise."""
    rng = np.random.default_rng(seed)
    age = rng.uniform(20, 80, n)
    labels = np.digitize(age + rng.normal(0, 6, n), [40, 62])
    t_scores = -0.03 * age + rng.normal(0, 0.3, n)
    return age, labels, t_scores, rng.normal(size=(n, 300))


def _oof(X, labels, t_scores, n_image, n_facts):
    probs, t_hat = np.zeros((1, len(labels), 3)), np.zeros((1, len(labels)))
    for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(X, labels):
        probs[0, test] = classifier(n_image, n_facts, 8).fit(X[train], labels[train]).predict_proba(X[test])
        t_hat[0, test] = regressor(n_image, n_facts, 8).fit(X[train], t_scores[train]).predict(X[test])
    return probs, t_hat


def test_age_beside_noisy_image_features_keeps_its_signal():
    """The v1 defect: age inside the image PCA was discarded (image + age 0.59 vs age 0.94)."""
    age, labels, t_scores, image = _cohort()
    p_age, t_age = _oof(age[:, None], labels, t_scores, 0, 1)
    p_both, t_both = _oof(np.hstack([image, age[:, None]]), labels, t_scores, image.shape[1], 1)
    low_mass = (labels >= 1).astype(int)
    auc_age = roc_auc_score(low_mass, 1 - p_age[0, :, 0])
    auc_both = roc_auc_score(low_mass, 1 - p_both[0, :, 0])
    assert auc_age > 0.9 and auc_both > auc_age - 0.03
    assert np.abs(t_both[0] - t_scores).mean() < np.abs(t_age[0] - t_scores).mean() + 0.05


def test_auc_ci_matches_sklearn_and_brackets_the_value():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 120)
    values = np.round(y + rng.normal(0, 1.2, 120), 1)  # ties included
    block = auc_ci(y, values)
    assert block["value"] == pytest.approx(roc_auc_score(y, values), abs=1e-4)
    assert block["ci95_low"] < block["value"] < block["ci95_high"]
    with pytest.raises(ValueError, match="both outcomes"):
        auc_ci(np.ones(5), np.arange(5.0))


def test_statistics_blocks_on_a_synthetic_comparison():
    age, labels, t_scores, image = _cohort(n=120, seed=1)
    rng = np.random.default_rng(3)
    base = np.stack([np.clip(np.stack([(80 - age) / 60, np.full_like(age, 0.3), (age - 20) / 60], 1), 0.01, 1)] * 2)
    base = base / base.sum(axis=2, keepdims=True)
    noise = np.full_like(base, 1 / 3)
    probs = {"age": base, "clinical": base, "image": noise, "image+age": base, "fused": 0.5 * base + 0.5 * noise}
    t_hat = {name: np.stack([t_scores + rng.normal(0, 0.1, len(age))] * 2) for name in probs}
    summary = summarise("age", probs["age"], t_hat["age"], labels, t_scores)
    assert summary["auc_low_bone_mass"]["value"] > 0.8 and len(summary["t_score_mae_ci95"]) == 2
    inc = increments(probs, t_hat, labels, t_scores)
    assert inc["image+age minus age"]["auc_low_bone_mass_difference"]["value"] == pytest.approx(0.0, abs=1e-9)
    assert inc["fused minus clinical"]["log_loss_3class_difference"]["value"] > 0
    bands = within_age_bands(probs, t_hat, labels, t_scores, age, list(probs))
    assert bands["under_50"]["n"] + bands["50_plus"]["n"] == len(age)
    framing = framing_block({"width": age.copy()}, {"width": base}, labels, 2)
    assert framing["width"]["raw_auc_low_bone_mass"]["value"] > 0.8


def test_export_round_trip_through_the_runtime_loader_with_the_crop(tmp_path):
    """Linear heads folded into Keras on the backbone's pooled features reproduce the scikit-learn pipeline, and
    the manifest's crop block rebuilds the training crop."""
    backbone = build_tiny_kl_model()
    rng = np.random.default_rng(4)
    films = [rng.integers(0, 255, (90, 120), dtype=np.uint8) for _ in range(12)]
    template = build_knee_template(rng.integers(0, 255, (4, 64, 64), dtype=np.uint8))
    cropper = KneeCropper(template, scales=(0.5, 1.0))
    crops = [cropper(film) for film in films]
    features = embed(pooled_extractor(backbone), crops, 64)
    labels, t_scores = np.arange(12) % 3, rng.normal(-1.5, 0.5, 12)
    clf = classifier(features.shape[1], 0, 2).fit(features, labels)
    reg = regressor(features.shape[1], 0, 2).fit(features, t_scores)
    model = build_density_keras(backbone, affine_map(clf.decision_function, features.shape[1]),
                                affine_map(reg.predict, features.shape[1]))
    model.save(tmp_path / "model.keras")
    np.save(tmp_path / "knee_template.npy", template)
    metadata = {"input_size": 64, "t_interval": {"half_width": 0.5, "coverage": 0.9},
                "crop": {"template": "knee_template.npy", "scales": [0.5, 1.0], "margin": cropper.margin}}
    manifest = write_manifest(tmp_path, tmp_path / "model.keras", metadata)
    load_bone_density_model.cache_clear()
    density = load_bone_density_model(tmp_path)
    assert density.cropper is not None and KneeCropper.from_manifest(tmp_path, manifest) is not None
    predictions = density.predict(films)  # the runtime crops each film itself, as in training
    got = np.array([[p.probabilities[c] for c in DENSITY_CLASSES] for p in predictions])
    np.testing.assert_allclose(got, clf.predict_proba(features), atol=1e-4)
    np.testing.assert_allclose([p.t_score for p in predictions], reg.predict(features), atol=1e-3)
    assert density.heatmap(films[0]).shape == (64, 64)
    load_bone_density_model.cache_clear()


def _evaluation(difference_low: float) -> dict:
    ci = {"value": 0.9, "ci95_low": 0.85, "ci95_high": 0.95}
    model = {"auc_low_bone_mass": ci, "auc_osteoporosis": ci, "t_score_mae": 0.35, "t_score_mae_ci95": [0.3, 0.4],
             "t_score_pearson_r": 0.7, "calibration_low_bone_mass": {"slope": 1.0, "intercept": 0.0},
             "t_score_abs_error_q90": 0.7}
    diff = {"value": difference_low + 0.02, "ci95_low": difference_low, "ci95_high": difference_low + 0.05,
            "repeats_positive": 3}
    pair = {"auc_low_bone_mass_difference": diff, "auc_osteoporosis_difference": diff | {"ci95_low": -0.1},
            "log_loss_3class_difference": ci, "t_score_mae_difference": ci}
    band = {"n": 80, "classes": [30, 49, 1], "low_bone_mass": {"positives": 50} | {k: ci for k in
                                                                                  ("age", "clinical", "image",
                                                                                   "image+age", "fused")},
            "osteoporosis": {"positives": 1, "note": "fewer than 2 patients of a class: no AUC"},
            "differences": {"image+age minus age": pair, "fused minus clinical": pair}}
    lrt_block = {k: {"chi2": 10.0, "p": 0.5} for k in ("three_class", "low_bone_mass", "osteoporosis")}
    lrt_block["t_score"] = {"F": 1.0, "p": 0.4, "r2_base": 0.5, "r2_with_image": 0.52}
    framing = {name: {"median_by_class": {"normal": 1.0, "osteopenia": 1.0, "osteoporosis": 1.0},
                      **{f"{kind}_auc_{o}": ci for kind in ("raw", "cv") for o in ("low_bone_mass", "osteoporosis")}}
               for name in ("width", "height", "aspect_ratio", "crop_side_px", "crop_scale")}
    return {
        "data": {"patients_with_image": 210, "classes": {"normal": 30, "osteopenia": 137, "osteoporosis": 43},
                 "cohort": {"patients": 210, "t_score_min": -2.99, "t_score_max": -0.16, "age_t_score_pearson_r": -0.74,
                            "mean_age": {"normal": 34, "osteopenia": 51, "osteoporosis": 64}, "osteoporosis": 43,
                            "osteoporosis_men": 27},
                 "backbone": {"training_knees": 5200, "version": "v", "epoch": 8}},
        "cv": "repeated stratified 5-fold x 10 (same splits)", "repeats": 10,
        "method": {"crop": "template", "pca_components": 16},
        "comparison": {k: model for k in ("age", "clinical", "image", "image+age", "fused")},
        "beyond_age": {"increments": {"image+age minus age": pair, "fused minus clinical": pair,
                                      "clinical minus age": pair},
                       "within_age_bands": {"under_50": band, "50_plus": band},
                       "likelihood_ratio_tests": {"note": "in-sample", "image_beyond_age": lrt_block,
                                                  "image_beyond_clinical": lrt_block},
                       "image_predicts_age": {"pearson_r": 0.2, "mae_years": 9.0}},
        "framing": {"note": "same folds", **framing,
                    "image_whole_letterboxed": {"auc_low_bone_mass": ci, "auc_osteoporosis": ci},
                    "crop": {"detector_score": {"min": 0.4, "median": 0.7},
                             "side_fraction_of_short_side": {"median": 0.34}}},
        "image_sizes_note": "sizes vary", "faithfulness": {"images": 30, "note": "in-sample", **{
            m: {"deletion_cam": 0.3, "deletion_random": 0.4, "insertion_cam": 0.5, "insertion_random": 0.4}
            for m in ("gradcam", "gradcam++")}},
        "latency": {"machine": "test", "predict": {"p50_ms": 1, "p95_ms": 2},
                    "predict_with_gradcam": {"p50_ms": 3, "p95_ms": 4}, "knee_crop": {"p50_ms": 5, "p95_ms": 6}},
        "model": {"version": "v", "t_interval": {"half_width": 0.7, "coverage": 0.9, "from": "cv"}},
    }


@pytest.mark.parametrize("difference_low, adds", [(-0.05, False), (0.01, True)])
def test_card_says_first_whether_the_image_adds_beyond_the_clinical_facts(tmp_path, difference_low, adds):
    evaluation = json.loads(json.dumps(_evaluation(difference_low)))
    assert image_adds_beyond_clinical(evaluation) is adds
    write_density_card(tmp_path / "card.md", evaluation)
    card = (tmp_path / "card.md").read_text()
    first = card.split("\n\n")[1]
    assert ("adds nothing measurable beyond the clinical facts" in first) is not adds
    assert "27 of the 43 osteoporosis patients are men" in card and "trained on 5,200 OAI training knees" in card
    assert "Bayes" not in card and "−2.99" in card


def test_cohort_columns_are_derived(tmp_path):
    from training.bone_density_data import load_patients

    (tmp_path / "patients.csv").write_text(
        "patient_id,sex,age,menopause_age,bmi,fracture_history,t_score,diagnosis,image\n"
        "A,female,60,50,25,no,-2.6,osteoporosis,images/a.jpg\nB,male,30,,22,L.knee,-0.5,normal,images/b.jpg\n"
        "C,male,40,,22,no,-1.5,osteopenia,\n")
    table = load_patients(tmp_path)
    assert list(table["patient_id"]) == ["A", "B"]
    assert table["female"].tolist() == [1.0, 0.0] and table["postmenopausal"].tolist() == [1.0, 0.0]
    assert table["prior_fracture"].tolist() == [0.0, 1.0] and table["label"].tolist() == [2, 0]
    assert isinstance(table, pd.DataFrame)


def test_framing_verdict_names_only_variables_whose_cv_auc_excludes_chance():
    from training.bone_density_card import framing_verdict

    chance = {"value": 0.52, "ci95_low": 0.42, "ci95_high": 0.62}
    keys = ("raw_auc_low_bone_mass", "raw_auc_osteoporosis", "cv_auc_low_bone_mass", "cv_auc_osteoporosis")
    framing = {name: dict.fromkeys(keys, chance)
               for name in ("width", "height", "aspect_ratio", "crop_side_px", "crop_scale")}
    framing["width"]["cv_auc_low_bone_mass"] = {"value": 0.28, "ci95_low": 0.19, "ci95_high": 0.37}  # CV artefact
    assert framing_verdict(framing).startswith("No size variable alone predicts")
    framing["height"]["raw_auc_osteoporosis"] = {"value": 0.396, "ci95_low": 0.311, "ci95_high": 0.482}
    framing["height"]["cv_auc_osteoporosis"] = {"value": 0.62, "ci95_low": 0.52, "ci95_high": 0.71}
    verdict = framing_verdict(framing)
    assert "image height (px) (osteoporosis, raw AUC 0.396 (0.311–0.482))" in verdict
    assert "image height (px) (osteoporosis, CV AUC 0.620 (0.520–0.710))" in verdict and "width" not in verdict
