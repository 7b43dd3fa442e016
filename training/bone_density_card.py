"""Model card of the knee bone-density model, written from its evaluation file."""

from __future__ import annotations

from pathlib import Path

LABELS = {"age": "age alone", "clinical": "clinical (age, sex, BMI, menopause, fracture)", "image": "image only",
          "image+age": "image + age", "fused": "image + clinical (fused)"}


def _ci(block: dict) -> str:
    return f"{block['value']:.3f} ({block['ci95_low']:.3f}–{block['ci95_high']:.3f})"


def fusion_decision(comparison: dict) -> tuple[bool, str]:
    """Ship the fused model only if it beats both the clinical and the image model on both AUCs."""
    fused, clinical, image = comparison["fused"], comparison["clinical"], comparison["image"]
    wins = all(fused[k]["value"] > max(clinical[k]["value"], image[k]["value"])
               for k in ("auc_low_bone_mass", "auc_osteoporosis"))
    text = ("The fused model beats both the clinical and the image model on both AUCs in the same folds."
            if wins else "The fused model does not beat both the clinical and the image model on both AUCs in the "
            "same folds, so it is **not shipped**; the app combines the image with clinical facts by Bayes' rule "
            "instead (below).")
    return wins, text


def write_density_card(path: Path, ev: dict) -> None:
    """Write the Markdown model card from ``evaluation.json`` content."""
    comp, beyond, meta = ev["comparison"], ev["beyond_age"], ev["model"]
    _, decision = fusion_decision(comp)
    image = comp["image"]
    lines = [
        "# Model card: bone density from a knee radiograph (DXA-labelled, 210 patients)",
        "",
        f"Version `{meta['version']}`. Frozen features of our KL knee network (trained on 5,778 OAI knees) → "
        "standardise → PCA (12) → multinomial logistic regression (normal / osteopenia / osteoporosis), plus a "
        "ridge regression for the T-score. Image and mirror image are averaged; images are letterboxed. "
        "Retrain: `python -m training.train_bone_density`. Evaluation: [evaluation.json](evaluation.json).",
        "",
        "## Intended use and limits",
        "Meant as a research aid that flags possible low bone mass on a knee radiograph taken for another reason, "
        "to prompt a DXA referral. **In its current form the image model is close to uninformative (see the "
        "results): it demonstrates the pipeline and must not inform any decision.** Not a diagnosis, not a "
        "substitute for DXA, not validated on any external collection; never use it to rule out low bone density, "
        "and never on hands, hips, spines or children.",
        "",
        "## Data and label",
        f"- `knee_bone_density`: {ev['data']['patients_with_image']} patients with a knee radiograph and a DXA "
        f"T-score ({ev['data']['classes']}). Label: WHO category of the DXA T-score; the measurement site, scanner "
        "and how patients were chosen are not documented by the source.",
        "- **Read these numbers with care.** Every T-score lies between −2.99 and −0.16 (no normal above −0.16, no "
        "osteoporosis below −2.99, unlike a typical DXA cohort). Age alone correlates −0.74 with the T-score "
        "(normals average 34 years, osteoporosis 63), and 31 of the 49 osteoporosis patients are men. An image "
        "model can look good by reading age off the knee, so every model is reported beside age alone, in the "
        "same folds, and within age bands.",
        f"- {ev['image_sizes_note']}.",
        f"- Validation: {ev['cv']}.",
        "",
        "## Cross-validated results (same folds for every model)",
        "",
        "| model | AUC low bone mass vs normal | AUC osteoporosis vs rest | T-score MAE (SD) | T-score r | "
        "calibration slope (low mass) |",
        "|---|---|---|---|---|---|",
    ]
    for name, block in comp.items():
        lines.append(f"| {LABELS[name]} | {_ci(block['auc_low_bone_mass'])} | {_ci(block['auc_osteoporosis'])} | "
                     f"{block['t_score_mae']:.2f} | {block['t_score_pearson_r']:.2f} | "
                     f"{block['calibration_low_bone_mass']['slope']:.2f} |")
    under50, over50 = beyond["low_bone_mass_within_age_under_50"], beyond["osteoporosis_within_age_50_plus"]
    lines += [
        "",
        "**What the image adds beyond age** (the real result): image + age minus age alone = "
        f"{beyond['image_plus_age_minus_age_auc_low_bone_mass']:+.3f} AUC for low bone mass and "
        f"{beyond['image_plus_age_minus_age_auc_osteoporosis']:+.3f} for osteoporosis.",
        "",
        f"Within age bands: low bone mass vs normal among patients under 50 (n = {under50.get('n')}, "
        f"{under50.get('positives')} with low mass): "
        + ", ".join(f"{LABELS[k]} {v:.3f}" for k, v in under50.items() if k in LABELS)
        + f". Osteoporosis vs rest among patients 50+ (n = {over50.get('n')}, {over50.get('positives')} with "
        "osteoporosis): " + ", ".join(f"{LABELS[k]} {v:.3f}" for k, v in over50.items() if k in LABELS) + ".",
        "",
        f"Goal on an external collection (not available): AUC ≥ 0.80 for low bone mass. The image-only "
        f"cross-validated AUC here is {image['auc_low_bone_mass']['value']:.3f}; published hip-radiograph systems "
        "fall from 0.87 internal to 0.70 external, so expect less elsewhere.",
        "",
        f"**T-score estimate**: image-only MAE {image['t_score_mae']:.2f} SD, r = {image['t_score_pearson_r']:.2f}; "
        f"the app shows ± {meta['t_interval']['half_width']:.2f} SD ({meta['t_interval']['from']}, 90 %). The "
        "training T-scores span only −2.99 to −0.16: estimates outside that range are extrapolation, and values "
        "typical of healthy young adults were never seen.",
        "",
        "## Fusion",
        decision,
        "",
        "Bayesian combination used by the app: the clinical model's pre-test probability (NHANES, self-reported "
        "diagnosis) × the image's likelihood ratio for osteoporosis (image posterior odds ÷ training prior odds, "
        f"prior {meta['training_prevalence']['osteoporosis']:.3f}) = post-test probability. The two labels differ "
        "(self-report vs DXA), and the likelihood ratio assumes the image carries information independent of the "
        "clinical facts — with age so dominant here, it does not fully; treat the post-test value as indicative.",
        "",
        "## Grad-CAM faithfulness",
        f"{ev['faithfulness']['images']} images, {ev['faithfulness']['note']}; deletion (lower better) / insertion "
        "(higher better), area under the probability curve of the predicted class:",
        "",
        "| method | deletion (CAM) | deletion (random) | insertion (CAM) | insertion (random) |",
        "|---|---|---|---|---|",
    ]
    for method in ("gradcam", "gradcam++"):
        f = ev["faithfulness"][method]
        lines.append(f"| {method} | {f['deletion_cam']:.3f} | {f['deletion_random']:.3f} | {f['insertion_cam']:.3f}"
                     f" | {f['insertion_random']:.3f} |")
    lat = ev["latency"]
    lines += [
        "",
        f"**Latency** ({lat['machine']}): p50 {lat['predict']['p50_ms']} ms, p95 {lat['predict']['p95_ms']} ms; with "
        f"Grad-CAM p50 {lat['predict_with_gradcam']['p50_ms']} ms, p95 {lat['predict_with_gradcam']['p95_ms']} ms.",
        "",
        "## Hand radiographs",
        "No hand radiographs with DXA labels were available, so there is no hand bone-density model. Digital X-ray "
        "radiogrammetry of the metacarpals is an established method (r ≈ 0.90 with wrist DXA, Wilczek 2013) but is "
        "not implemented here; the app says so instead of guessing.",
    ]
    path.write_text("\n".join(lines) + "\n")
