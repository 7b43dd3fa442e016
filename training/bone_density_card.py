"""Model card of the knee bone-density model, written from its evaluation file (every figure is read from
``evaluation.json`` or, for the KL backbone, from ``models/knee_kl/evaluation.json``; none is typed).

``python -m training.bone_density_card`` refreshes the card without retraining: it computes the cohort facts of the
modelled patients (those with a knee radiograph) from the data and stores them in ``evaluation.json`` under
``data.cohort``, records the KL backbone's training-knee count under ``data.backbone`` (once, from
``models/knee_kl/evaluation.json``), and rewrites ``model_card.md``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pandas as pd

from osteo_core.config import data_dir, models_dir

LABELS = {"age": "age alone", "clinical": "clinical (age, sex, BMI, menopause, fracture)", "image": "image only",
          "image+age": "image + age", "fused": "image + clinical (fused)"}


def _ci(block: dict) -> str:
    return f"{block['value']:.3f} ({block['ci95_low']:.3f}–{block['ci95_high']:.3f})"


def cohort_facts(patients: pd.DataFrame) -> dict[str, Any]:
    """Facts about the modelled patients (one row each, with ``sex``, ``age``, ``t_score``, ``diagnosis``): the
    T-score range (SD), age–T-score correlation, mean age per class (years) and how many osteoporosis patients are
    men."""
    osteoporosis = patients[patients["diagnosis"] == "osteoporosis"]
    return {
        "patients": int(len(patients)),
        "t_score_min": round(float(patients["t_score"].min()), 2),
        "t_score_max": round(float(patients["t_score"].max()), 2),
        "age_t_score_pearson_r": round(float(patients["age"].corr(patients["t_score"])), 2),
        "mean_age": {name: round(float(group["age"].mean()), 1) for name, group in patients.groupby("diagnosis")},
        "osteoporosis": int(len(osteoporosis)),
        "osteoporosis_men": int((osteoporosis["sex"] == "male").sum()),
        "source": "computed by training/bone_density_card.py from patients.csv rows with an image",
    }


def fusion_decision(comparison: dict) -> tuple[bool, str]:
    """Ship the fused model only if it beats both the clinical and the image model on both AUCs."""
    fused, clinical, image = comparison["fused"], comparison["clinical"], comparison["image"]
    wins = all(fused[k]["value"] > max(clinical[k]["value"], image[k]["value"])
               for k in ("auc_low_bone_mass", "auc_osteoporosis"))
    text = ("The fused model beats both the clinical and the image model on both AUCs in the same folds."
            if wins else "The fused model does not beat both the clinical and the image model on both AUCs in the "
            "same folds, so it is **not shipped**.")
    return wins, text


def _minus(value: float, fmt: str = ".2f") -> str:
    return format(value, fmt).replace("-", "−")


def _cohort_sentence(ev: dict) -> str:
    cohort = ev["data"].get("cohort")
    if cohort is None:
        return ("- The cohort facts (T-score range, age correlation, sex by class) are not in evaluation.json yet: "
                "run `python -m training.bone_density_card`.")
    ages = cohort["mean_age"]
    return (f"- **Read these numbers with care.** Among the {cohort['patients']} modelled patients every T-score lies "
            f"between {_minus(cohort['t_score_min'])} and {_minus(cohort['t_score_max'])} (unlike a typical DXA "
            f"cohort). Age alone correlates {_minus(cohort['age_t_score_pearson_r'])} with the T-score (normals "
            f"average {ages['normal']:.0f} years, osteoporosis {ages['osteoporosis']:.0f}), and "
            f"{cohort['osteoporosis_men']} of the {cohort['osteoporosis']} osteoporosis patients are men. An image "
            "model can look good by reading age off the knee, so every model is reported beside age alone, in the "
            "same folds, and within age bands.")


def backbone_facts(kl_evaluation: dict) -> dict[str, Any]:
    """The KL backbone the image features come from: its version and how many OAI knees it was trained on."""
    return {"model": "knee_kl", "version": kl_evaluation["model"]["version"],
            "training_knees": int(kl_evaluation["splits"]["train"]),
            "source": "models/knee_kl/evaluation.json (splits.train) when the backbone was exported"}


def _backbone_knees(ev: dict) -> str:
    backbone = ev["data"].get("backbone")
    if backbone is None:
        return "OAI knees; count not in evaluation.json yet: run `python -m training.bone_density_card`"
    return f"{backbone['training_knees']:,} OAI training knees, `{backbone['version']}`"


def write_density_card(path: Path, ev: dict) -> None:
    """Write the Markdown model card from ``evaluation.json`` content."""
    comp, beyond, meta = ev["comparison"], ev["beyond_age"], ev["model"]
    _, decision = fusion_decision(comp)
    image = comp["image"]
    classes = ", ".join(f"{name} {count}" for name, count in ev["data"]["classes"].items())
    lines = [
        f"# Model card: bone density from a knee radiograph (DXA-labelled, {ev['data']['patients_with_image']} "
        "patients)",
        "",
        f"Version `{meta['version']}`. Frozen features of our KL knee network (trained on {_backbone_knees(ev)}) → "
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
        f"T-score ({classes}). Label: WHO category of the DXA T-score; the measurement site, scanner "
        "and how patients were chosen are not documented by the source.",
        _cohort_sentence(ev),
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
        f"the app shows ± {meta['t_interval']['half_width']:.2f} SD ({meta['t_interval']['from']}, "
        f"{100 * meta['t_interval']['coverage']:.0f} %). Estimates outside the training T-score range are "
        "extrapolation, and values typical of healthy young adults were never seen.",
        "",
        "## Fusion",
        decision,
        "",
        "**No post-test probability.** The app does not turn the image model's odds into a likelihood ratio or "
        "combine them with the clinical estimate: the image model is close to chance (AUC above) and uncalibrated "
        f"(calibration slope {image['calibration_low_bone_mass']['slope']:.2f}). The Image screening page leads "
        "with this warning and shows the clinical model's estimate (the probability that a hip DXA would show "
        "osteoporosis, from risk factors) separately from the image estimate. A combination would need a "
        "validated, calibrated image model with the confidence interval of its likelihood ratio.",
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


def main(argv: list[str] | None = None) -> None:
    """Add the cohort facts to ``evaluation.json`` (computed from the data) and rewrite the model card."""
    from training.bone_density_data import load_patients

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=data_dir() / "knee_bone_density")
    parser.add_argument("--model", type=Path, default=models_dir() / "bone_density_knee")
    args = parser.parse_args(argv)
    evaluation_path = args.model / "evaluation.json"
    evaluation = json.loads(evaluation_path.read_text(encoding="utf-8"))
    patients = load_patients(args.data)
    if len(patients) != evaluation["data"]["patients_with_image"]:
        raise SystemExit(f"{args.data} has {len(patients)} patients with an image; evaluation.json was computed on "
                         f"{evaluation['data']['patients_with_image']}. Retrain instead.")
    evaluation["data"]["cohort"] = cohort_facts(patients)
    if "backbone" not in evaluation["data"]:  # recorded once: a later KL model is not this model's backbone
        kl_evaluation = json.loads((args.model.parent / "knee_kl" / "evaluation.json").read_text(encoding="utf-8"))
        if not str(evaluation["model"]["version"]).startswith(kl_evaluation["model"]["version"][:10]):
            raise SystemExit("models/knee_kl is not the backbone this bone-density model was built on.")
        evaluation["data"]["backbone"] = backbone_facts(kl_evaluation)
    evaluation_path.write_text(json.dumps(evaluation, indent=2) + "\n")
    write_density_card(args.model / "model_card.md", evaluation)
    print(f"Wrote the cohort facts to {evaluation_path} and rewrote {args.model / 'model_card.md'}.")


if __name__ == "__main__":
    main()
