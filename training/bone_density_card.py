"""Model card of the knee bone-density model, written from its evaluation file (every figure is read from
``evaluation.json``; none is typed).

``python -m training.bone_density_card`` refreshes the card without retraining: it recomputes the cohort facts of
the modelled patients (those with a knee radiograph) from the data, stores them in ``evaluation.json`` under
``data.cohort`` and rewrites ``model_card.md``. The backbone record (``data.backbone``) is written by the training
run (``training/train_bone_density.py``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pandas as pd

from osteo_core.config import data_dir, models_dir
from osteo_core.imaging.bone_density import image_adds_beyond_clinical  # the one rule, shared with the app
from training.card_text import write_card
from training.latency import latency_heading

LABELS = {"age": "age alone", "clinical": "clinical (age, sex, BMI, menopause, fracture)", "image": "image only",
          "image+age": "image + age", "fused": "image + clinical (fused)"}
FRAMING_LABELS = {"width": "image width (px)", "height": "image height (px)", "aspect_ratio": "aspect ratio (w/h)",
                  "crop_side_px": "knee-crop side (px)", "crop_scale": "knee-crop scale"}
BANDS = {"under_50": "under 50", "50_plus": "50 and over"}


def _ci(block: dict) -> str:
    return f"{block['value']:.3f} ({block['ci95_low']:.3f}–{block['ci95_high']:.3f})"


def _signed(block: dict) -> str:
    return (f"{_minus(block['value'], '+.3f')} ({_minus(block['ci95_low'], '+.3f')} to "
            f"{_minus(block['ci95_high'], '+.3f')})")


def _minus(value: float, fmt: str = ".2f") -> str:
    return format(value, fmt).replace("-", "−")


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
    text = ("The fused model beats both the clinical and the image model on both AUCs in the same folds (point "
            "estimates; see the paired differences above)." if wins else
            "The fused model does not beat both the clinical and the image model on both AUCs in the same folds, so "
            "it is **not shipped**.")
    return wins, text


def _cohort_sentence(ev: dict) -> str:
    cohort = ev["data"].get("cohort")
    if cohort is None:
        return ("- The cohort facts (T-score range, age correlation, sex by class) are not in evaluation.json yet: "
                "run `python -m training.bone_density_card`.")
    ages = cohort["mean_age"]
    return (f"- **Read these numbers with care.** The set is tiny. Among the {cohort['patients']} modelled patients "
            f"every T-score lies between {_minus(cohort['t_score_min'])} and {_minus(cohort['t_score_max'])} (no "
            "healthy-young-adult values, no severe osteoporosis: unlike a typical DXA cohort). Age alone correlates "
            f"{_minus(cohort['age_t_score_pearson_r'])} with the T-score (normals average {ages['normal']:.0f} years, "
            f"osteoporosis {ages['osteoporosis']:.0f}), and {cohort['osteoporosis_men']} of the "
            f"{cohort['osteoporosis']} osteoporosis patients are men (osteoporosis is far commoner in women). The "
            "source does not document the scanner, the DXA site or how patients were chosen. An image model can "
            "look good by reading age off the knee, so every model is reported beside age alone, in the same folds, "
            "and within age bands.")


def _backbone_sentence(ev: dict) -> str:
    backbone = ev["data"].get("backbone")
    if backbone is None:
        return "our KL knee network (record missing: retrain with `python -m training.train_bone_density`)"
    val = (backbone.get("val_flip_tta") or {}).get("argmax")
    metrics = f"; KL val accuracy {val['accuracy']:.2f}, QWK {val['qwk']:.2f} at that epoch" if val else ""
    return (f"the KL-fine-tuned EfficientNet-Lite0 (ImageNet weights, then trained on "
            f"{backbone['training_knees']:,} OAI training knees; checkpoint epoch {backbone.get('epoch', '?')}"
            f"{metrics}; `{backbone['version']}`)")


def _headline(ev: dict) -> list[str]:
    comp, inc = ev["comparison"], ev["beyond_age"]["increments"]
    fused_clin, img_age = inc["fused minus clinical"], inc["image+age minus age"]
    numbers = (f"fused minus clinical AUC (low bone mass vs normal) "
               f"{_signed(fused_clin['auc_low_bone_mass_difference'])}, osteoporosis vs rest "
               f"{_signed(fused_clin['auc_osteoporosis_difference'])}; image + age minus age alone "
               f"{_signed(img_age['auc_low_bone_mass_difference'])} and "
               f"{_signed(img_age['auc_osteoporosis_difference'])} (paired 95 % CIs, same folds)")
    if image_adds_beyond_clinical(ev):
        first = (f"**The image adds a measurable amount beyond the clinical facts in cross-validation** ({numbers}). "
                 "It has not been validated on any other collection.")
    else:
        first = (f"**The knee radiograph adds nothing measurable beyond the clinical facts here** ({numbers}). "
                 "Use the clinical estimate as the answer; the image model is shown for research only.")
    image = comp["image"]
    return [first, "",
            f"Image alone: AUC {_ci(image['auc_low_bone_mass'])} for low bone mass vs normal, "
            f"{_ci(image['auc_osteoporosis'])} for osteoporosis vs rest; age alone "
            f"{_ci(comp['age']['auc_low_bone_mass'])} and {_ci(comp['age']['auc_osteoporosis'])}."]


def _band_lines(ev: dict) -> list[str]:
    bands = ev["beyond_age"]["within_age_bands"]
    lines = ["| age band | outcome | n (positives) | " + " | ".join(LABELS[k] for k in LABELS) +
             " | image + age − age | fused − clinical |", "|---" * (5 + len(LABELS)) + "|"]
    for band, block in bands.items():
        for key, title in (("low_bone_mass", "low bone mass vs normal"), ("osteoporosis", "osteoporosis vs rest")):
            cell = block[key]
            if "note" in cell:
                lines.append(f"| {BANDS[band]} | {title} | {block['n']} ({cell['positives']}) | "
                             + " | ".join("—" for _ in LABELS) + f" | {cell['note']} | |")
                continue
            diffs = block["differences"]
            lines.append(f"| {BANDS[band]} | {title} | {block['n']} ({cell['positives']}) | "
                         + " | ".join(_ci(cell[k]) for k in LABELS)
                         + f" | {_signed(diffs['image+age minus age'][f'auc_{key}_difference'])} | "
                         f"{_signed(diffs['fused minus clinical'][f'auc_{key}_difference'])} |")
    return lines


def _increment_lines(ev: dict) -> list[str]:
    lines = ["| comparison (same patients, same folds) | Δ AUC low bone mass | Δ AUC osteoporosis | repeats with Δ > 0 "
             "(low mass / osteoporosis) | Δ log loss (3-class, lower better) | Δ T-score MAE (SD) |",
             "|---|---|---|---|---|---|"]
    repeats = ev.get("repeats", "?")
    for name, pair in ev["beyond_age"]["increments"].items():
        low, op = pair["auc_low_bone_mass_difference"], pair["auc_osteoporosis_difference"]
        lines.append(f"| {name} | {_signed(low)} | {_signed(op)} | {low['repeats_positive']} / "
                     f"{op['repeats_positive']} of {repeats} | {_signed(pair['log_loss_3class_difference'])} | "
                     f"{_signed(pair['t_score_mae_difference'])} |")
    return lines


def _lrt_lines(ev: dict) -> list[str]:
    lrt = ev["beyond_age"]["likelihood_ratio_tests"]
    lines = [f"Likelihood-ratio tests ({lrt['note']}; p-values):", "",
             "| added to | 3 classes | low bone mass | osteoporosis | T-score (F test) | T-score R² without → with "
             "image |",
             "|---|---|---|---|---|---|"]
    for base in ("age", "clinical"):
        block = lrt[f"image_beyond_{base}"]
        t = block["t_score"]
        lines.append(f"| {LABELS[base]} | χ² {block['three_class']['chi2']:.1f}, p {block['three_class']['p']:.3g} | "
                     f"χ² {block['low_bone_mass']['chi2']:.1f}, p {block['low_bone_mass']['p']:.3g} | "
                     f"χ² {block['osteoporosis']['chi2']:.1f}, p {block['osteoporosis']['p']:.3g} | "
                     f"F {t['F']:.2f}, p {t['p']:.3g} | {t['r2_base']:.3f} → {t['r2_with_image']:.3f} |")
    return lines


def framing_verdict(framing: dict) -> str:
    """One sentence from the framing block: which size variables alone carry a signal (the 95 % CI of their raw AUC
    excludes 0.5 in either direction, or that of their cross-validated AUC lies above 0.5), or that none does."""
    hits = []
    for name, title in FRAMING_LABELS.items():
        block = framing[name]
        for key, text in (("raw_auc_low_bone_mass", "low bone mass, raw"),
                          ("raw_auc_osteoporosis", "osteoporosis, raw"),
                          ("raw_auc_osteoporosis_age_50_plus", "osteoporosis at 50+, raw"),
                          ("cv_auc_low_bone_mass", "low bone mass, CV"), ("cv_auc_osteoporosis", "osteoporosis, CV")):
            auc = block.get(key)
            if auc and (auc["ci95_low"] > 0.5 or (key.startswith("raw") and auc["ci95_high"] < 0.5)):
                hits.append(f"{title} ({text} AUC {_ci(auc)})")
    if not hits:
        return ("No size variable alone predicts either label (every AUC's 95 % CI includes 0.5).")
    return ("Some size variables alone carry a weak signal in these data (95 % CI excluding 0.5; a raw AUC below 0.5 "
            "means smaller values in the positive class): " + "; ".join(hits) + ". An image model whose AUC is of "
            "that size cannot be told apart from a framing shortcut; the model therefore sees only the knee crop, "
            "resized to the same input size.")


def _framing_lines(ev: dict) -> list[str]:
    framing = ev["framing"]
    lines = [framing_verdict(framing), "",
             "| variable | median normal / osteopenia / osteoporosis | raw AUC low bone mass | raw AUC osteoporosis "
             "| CV AUC low bone mass | CV AUC osteoporosis | raw AUC osteoporosis, age 50+ |",
             "|---|---|---|---|---|---|---|"]
    for name, title in FRAMING_LABELS.items():
        block = framing[name]
        medians = " / ".join(f"{v:g}" for v in block["median_by_class"].values())
        older = block.get("raw_auc_osteoporosis_age_50_plus")
        lines.append(f"| {title} | {medians} | {_ci(block['raw_auc_low_bone_mass'])} | "
                     f"{_ci(block['raw_auc_osteoporosis'])} | {_ci(block['cv_auc_low_bone_mass'])} | "
                     f"{_ci(block['cv_auc_osteoporosis'])} | {_ci(older) if older else '—'} |")
    whole = framing["image_whole_letterboxed"]
    lines += ["", f"Image model on the whole letterboxed radiograph instead of the knee crop (same folds): AUC "
              f"{_ci(whole['auc_low_bone_mass'])} low bone mass, {_ci(whole['auc_osteoporosis'])} osteoporosis."]
    return lines


def write_density_card(path: Path, ev: dict) -> None:
    """Write the Markdown model card from ``evaluation.json`` content."""
    comp, meta = ev["comparison"], ev["model"]
    _, decision = fusion_decision(comp)
    image = comp["image"]
    classes = ", ".join(f"{name} {count}" for name, count in ev["data"]["classes"].items())
    crop = ev["framing"]["crop"]
    age_read = ev["beyond_age"]["image_predicts_age"]
    method = ev["method"]
    lines = [
        f"# Model card: bone density from a knee radiograph (DXA-labelled, {ev['data']['patients_with_image']} "
        "patients)",
        "",
        *_headline(ev),
        "",
        f"Version `{meta['version']}`. Each radiograph is cropped to one knee joint ({method['crop']}); features are "
        f"the pooled last feature map of {_backbone_sentence(ev)}, averaged over the crop and its mirror image → "
        f"standardise → PCA ({method['pca_components']}, fitted inside each training fold) → multinomial logistic "
        "regression (normal / osteopenia / osteoporosis), plus a ridge regression for the T-score. Age and the "
        "clinical facts enter the comparison models as their own standardised features, never inside the PCA, "
        "weighted so that the L2 penalty falls on the image term (a clinical model plus a penalised image term). "
        "Retrain: `python -m training.train_bone_density --backbone <KL v2 .keras>`. Evaluation: "
        "[evaluation.json](evaluation.json).",
        "",
        "## Intended use and limits",
        "Research aid only: it explores whether a knee radiograph taken for another reason carries a bone-density "
        "signal beyond age and the clinical facts. Not a diagnosis, not a substitute for DXA, not validated on any "
        "external collection (an earlier version ranked an external set inversely); never use it to rule low bone "
        "density in or out, and never on hands, hips, spines or children. Only DXA measures bone density.",
        "",
        "## Data and label",
        f"- `knee_bone_density`: {ev['data']['patients_with_image']} patients with a knee radiograph and a DXA "
        f"T-score ({classes}), one image per patient. Label: WHO category of the DXA T-score; the measurement site, "
        "scanner and how patients were chosen are not documented by the source.",
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
        low, high = block["t_score_mae_ci95"]
        lines.append(f"| {LABELS[name]} | {_ci(block['auc_low_bone_mass'])} | {_ci(block['auc_osteoporosis'])} | "
                     f"{block['t_score_mae']:.2f} ({low:.2f}–{high:.2f}) | {block['t_score_pearson_r']:.2f} | "
                     f"{block['calibration_low_bone_mass']['slope']:.2f} |")
    lines += [
        "",
        "## What the image adds beyond age (the real result)",
        "",
        "Paired differences (first model minus second; DeLong 95 % CI on repeat-averaged out-of-fold predictions; "
        "log-loss and MAE differences by patient bootstrap):",
        "",
        *_increment_lines(ev),
        "",
        "Within age bands (every normal patient is under 50, so low bone mass vs normal cannot be assessed at 50+):",
        "",
        *_band_lines(ev),
        "",
        *_lrt_lines(ev),
        "",
        f"The image features predict age with r = {age_read['pearson_r']:.2f} (MAE {age_read['mae_years']:.1f} "
        "years, same folds): part of what the image model knows is the patient's age.",
        "",
        "## Framing: what image size alone predicts",
        "",
        "Images differ in size and framing (one knee, both knees, a full leg), so the model sees a knee crop, not the "
        f"whole film. Size variables alone ({ev['framing']['note']}; raw AUC below 0.5 means the inverse "
        "direction; a cross-validated AUC well below 0.5 is the known artefact of a null variable in cross-validation, "
        "the direction fitted on four fifths flipping on the held-out fifth, not a signal):",
        "",
        *_framing_lines(ev),
        "",
        f"Knee-crop detector score (−1…1): median {crop['detector_score']['median']:.2f}, lowest "
        f"{crop['detector_score']['min']:.2f}; the crop side is a median "
        f"{crop['side_fraction_of_short_side']['median']:.2f} of the image's shorter side. A contact sheet of 24 "
        "random crops was checked by eye (all knee joints).",
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
        "combine them with the clinical estimate; the Image screening page leads with the validation warning and "
        "shows the clinical model's estimate separately from the image estimate.",
        "",
        "## Grad-CAM faithfulness",
        f"{ev['faithfulness']['images']} images, {ev['faithfulness']['note']}; deletion (lower better) / insertion "
        "(higher better), area under the probability curve of the predicted class:",
        "",
        "| method | deletion (CAM) | deletion (random) | insertion (CAM) | insertion (random) |",
        "|---|---|---|---|---|",
    ]
    for method_name in ("gradcam", "gradcam++"):
        f = ev["faithfulness"][method_name]
        lines.append(f"| {method_name} | {f['deletion_cam']:.3f} | {f['deletion_random']:.3f} | "
                     f"{f['insertion_cam']:.3f} | {f['insertion_random']:.3f} |")
    lat = ev["latency"]
    lines += [
        "",
        f"{latency_heading(lat)}: p50 {lat['predict']['p50_ms']} ms, "
        f"p95 {lat['predict']['p95_ms']} ms; with "
        f"Grad-CAM p50 {lat['predict_with_gradcam']['p50_ms']} ms, p95 {lat['predict_with_gradcam']['p95_ms']} ms; "
        + (f"the knee crop (included) takes p50 {lat['knee_crop']['p50_ms']} ms, p95 {lat['knee_crop']['p95_ms']} ms; "
         f"measured {lat['date'][:10]}." if lat.get("includes_knee_crop") else
         f"the knee crop adds p50 {lat['knee_crop']['p50_ms']} ms, p95 {lat['knee_crop']['p95_ms']} ms."),
        "",
        "## Hand radiographs",
        "No hand radiographs with DXA labels were available, so there is no hand bone-density model. Digital X-ray "
        "radiogrammetry of the metacarpals is an established method (r ≈ 0.90 with wrist DXA, Wilczek 2013) but is "
        "not implemented here; the app says so instead of guessing.",
    ]
    write_card(path, lines)


def remeasured_latency(model: Path, data: Path, patients: pd.DataFrame, count: int = 30) -> dict[str, Any]:
    """Latency of the shipped model through the app's loader on ``count`` whole radiographs: prediction and
    prediction + Grad-CAM (the runtime knee crop included), and the crop alone."""
    from osteo_core.imaging.bone_density import load_bone_density_model
    from training.bone_density_data import load_images
    from training.bone_density_export import _crop_latency
    from training.latency import measure_latency

    load_bone_density_model.cache_clear()
    density = load_bone_density_model(model)
    images = load_images(data, patients.head(count))
    latency = measure_latency(density, images)
    if density.cropper is not None:
        latency["knee_crop"] = _crop_latency(density.cropper, images)
    return latency | {"includes_knee_crop": True}


def main(argv: list[str] | None = None) -> None:
    """Add the cohort facts to ``evaluation.json`` (computed from the data) and rewrite the model card."""
    from training.bone_density_data import load_patients

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=data_dir() / "knee_bone_density")
    parser.add_argument("--model", type=Path, default=models_dir() / "bone_density_knee")
    parser.add_argument("--remeasure-latency", action="store_true",
                        help="re-measure the shipped model's latency on 30 whole radiographs (knee crop included)")
    args = parser.parse_args(argv)
    evaluation_path = args.model / "evaluation.json"
    evaluation = json.loads(evaluation_path.read_text(encoding="utf-8"))
    patients = load_patients(args.data)
    if args.remeasure_latency:
        evaluation["latency"] = remeasured_latency(args.model, args.data, patients)
    if len(patients) != evaluation["data"]["patients_with_image"]:
        raise SystemExit(f"{args.data} has {len(patients)} patients with an image; evaluation.json was computed on "
                         f"{evaluation['data']['patients_with_image']}. Retrain instead.")
    if "backbone" not in evaluation["data"]:
        raise SystemExit("evaluation.json has no backbone record: retrain with python -m training.train_bone_density.")
    evaluation["data"]["cohort"] = cohort_facts(patients)
    evaluation_path.write_text(json.dumps(evaluation, indent=2) + "\n")
    write_density_card(args.model / "model_card.md", evaluation)
    print(f"Wrote the cohort facts to {evaluation_path} and rewrote {args.model / 'model_card.md'}.")


if __name__ == "__main__":
    main()
