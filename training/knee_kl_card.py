"""Model card of the KL knee grader, written from its evaluation file."""

from __future__ import annotations

from pathlib import Path

from osteo_core.vocabulary import KL_NAMES
from training.card_text import write_card
from training.latency import latency_heading

USE_AND_LIMITS = [
    "## Intended use",
    "Staging radiographic knee osteoarthritis on a single-knee AP/PA radiograph, as an aid for clinicians, "
    "with the probability of each grade, a 90 % conformal grade set and a Grad-CAM heatmap.",
    "",
    "## Not for",
    "- **Bone density or osteoporosis.** KL grades osteoarthritis (joint space, osteophytes, sclerosis); it says "
    "nothing about bone mineral density and must never be read as an osteoporosis stage.",
    "- A diagnosis without a clinician's reading; other joints; children; lateral or skyline views; images "
    "unlike the OAI acquisitions (other scanners, other crops) without local validation.",
]


def _metrics_row(name: str, m: dict) -> str:
    recalls = " / ".join("–" if r is None else f"{r:.2f}" for r in m["recall_per_grade"])
    return f"| {name} | {m['n']} | {m['accuracy']:.3f} | {m['qwk']:.3f} | {m['mae']:.3f} | {recalls} |"


def _confusion(m: dict) -> list[str]:
    lines = ["| truth \\ predicted | " + " | ".join(f"KL {k}" for k in range(5)) + " |",
             "|---" * 6 + "|"]
    for k, row in enumerate(m["confusion_matrix"]):
        lines.append(f"| KL {k} | " + " | ".join(str(v) for v in row) + " |")
    return lines


def results_section(ev: dict, after_table: list[str] | None = None, latency_note: str = "") -> list[str]:
    """The card's results: metrics table, ``after_table`` lines, goal, confusion matrix, conformal sets, Grad-CAM
    faithfulness and latency, all read from ``evaluation.json`` content (shared by the v1 and v2 cards)."""
    conf, lat, faith = ev["conformal"], ev["latency"], ev["faithfulness"]
    lines = [
        "## Results",
        "",
        "| split | n | accuracy | QWK | MAE (grades) | recall KL 0 / 1 / 2 / 3 / 4 |",
        "|---|---|---|---|---|---|",
        _metrics_row("test (ours, held out)", ev["test"]),
        _metrics_row("val (used for selection)", ev["val"]),
        "",
        *([*after_table, ""] if after_table else []),
        "Goal on the official test split: accuracy ≥ 0.72 and QWK ≥ 0.88. Published GPU systems with ImageNet "
        "pretraining reach 0.67–0.71 accuracy and QWK 0.83–0.88.",
        "",
        "Confusion matrix on our test split:",
        "",
        *_confusion(ev["test"]),
        "",
        f"**Conformal grade sets** (split conformal, calibrated on val, target {conf['coverage']:.0%}): coverage "
        f"on our test split {conf['test_coverage']:.3f}, mean set size {conf['test_mean_set_size']:.2f} grades "
        f"(val {conf['val_coverage']:.3f}, {conf['val_mean_set_size']:.2f}). Sets are shown as a contiguous range.",
        "",
        f"**Grad-CAM faithfulness** on {faith['images']} test images (deletion/insertion, {faith['steps']} steps, "
        "pixels replaced by a blurred copy; area under the probability curve of the predicted grade). Deletion: "
        "lower is better; insertion: higher is better.",
        "",
        "| method | deletion (CAM) | deletion (random) | insertion (CAM) | insertion (random) |",
        "|---|---|---|---|---|",
    ]
    for method in ("gradcam", "gradcam++"):
        f = faith[method]
        lines.append(f"| {method} | {f['deletion_cam']:.3f} | {f['deletion_random']:.3f} | {f['insertion_cam']:.3f}"
                     f" | {f['insertion_random']:.3f} |")
    return lines + [
        "",
        f"{latency_heading(lat)}: prediction p50 {lat['predict']['p50_ms']} ms, p95 "
        f"{lat['predict']['p95_ms']} ms; with Grad-CAM p50 {lat['predict_with_gradcam']['p50_ms']} ms, p95 "
        f"{lat['predict_with_gradcam']['p95_ms']} ms; batches of {lat['batch_size']}: "
        f"{lat['batch_images_per_second']} images/s{latency_note}.",
        "",
    ]


def write_knee_card(path: Path, ev: dict) -> None:
    """Write the Markdown model card for the knee KL grader from ``evaluation.json`` content."""
    meta = ev["model"]
    lines = [
        "# Model card: knee osteoarthritis grade (Kellgren–Lawrence 0–4)",
        "",
        f"Version `{meta['version']}`. MobileNetV3-Small trained from scratch (no ImageNet weights could be "
        f"downloaded) on {meta['input_size']}×{meta['input_size']} grayscale knee radiographs. Weights "
        f"{ev['weights_mb']} MB. Evaluation file: [evaluation.json](evaluation.json). Train: "
        "`python -m training.train_knee_kl`, then evaluate and package: `python -m training.evaluate_knee_kl`.",
        "",
        *USE_AND_LIMITS,
        "",
        "## Data",
        "- Osteoarthritis Initiative knees via Chen 2018, \"Knee Osteoarthritis Severity Grading Dataset\" (Mendeley "
        "Data, doi:10.17632/56rmx5bjcr.1, CC BY 4.0; OAI terms apply): 224×224 crops of one knee joint, KL grade "
        "from the OAI readings.",
        f"- Splits by patient: training {ev['splits']['train']} images; our own **test** split {ev['splits']['test']}"
        f" images ({ev['test_split']}), never used for training or selection; the official **val** split "
        f"({ev['splits']['val']} images) selects the epoch and decoding and calibrates the conformal sets, so its "
        "figures are slightly optimistic. The official test split was not available.",
        "- Augmentation: horizontal flip, rotation ±11°, zoom ±10 %, shift ±5 %, contrast ±20 %, brightness ±10 %. "
        "Class imbalance: square-root inverse-frequency weights. Order of grades: soft ordinal targets (SORD). "
        f"Decoding chosen on val: `{meta['decoding']}` (val QWK {ev['decoding_val_qwk']}).",
        f"- Training: {ev['training'].get('epoch')} epochs in {ev['training'].get('minutes')} minutes on 2 CPU "
        f"cores; best val QWK at epoch {ev['training'].get('best_epoch')}.",
        "",
        *results_section(ev),
        "## Caveats",
        "- KL 1 (\"doubtful\") labels are notoriously noisy, even between expert readers; expect most errors "
        "between neighbouring grades, and especially around KL 1.",
        f"- KL 4 is about 3 % of the data; recall for {KL_NAMES[4].lower()} disease rests on few examples.",
        "- The source images may already be contrast-enhanced (CLAHE); no further CLAHE is applied.",
        "- Trained from scratch on 2 CPU cores; a pretrained backbone and higher resolution would likely do better.",
        "- Grad-CAM shows where the model looked, not a lesion finding.",
    ]
    write_card(path, lines)
