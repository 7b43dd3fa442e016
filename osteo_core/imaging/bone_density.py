"""Bone density from a knee radiograph: normal / osteopenia / osteoporosis probabilities, an estimated T-score with
an interval, Grad-CAM, and the validation warning every result carries (no post-test probability: the image model
is near chance and uncalibrated, see :func:`image_model_near_chance`). Whether the image adds anything beyond the
clinical facts is decided here too (:func:`image_adds_beyond_clinical`); when it does not, the clinical estimate is
the answer and the image model's output is for research only (:func:`image_adds_nothing_message`).

The shipped Keras model has two outputs on the KL backbone's pooled features: class logits and the T-score. The
prediction averages the image and its mirror image (as in training), then applies the softmax.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from osteo_core.errors import ModelLoadError
from osteo_core.i18n import N_, _, format_decimal
from osteo_core.imaging.keras_model import KerasImageModel, load_image_network
from osteo_core.imaging.kl_model import LAST_CONV_LAYER
from osteo_core.imaging.knee_crop import KneeCropper
from osteo_core.model_files import cached_loader

DENSITY_CLASSES = ("normal", "osteopenia", "osteoporosis")
DENSITY_MODEL_NAME = "bone_density_knee"


@dataclass
class DensityPrediction:
    """Probabilities (0–1) per WHO category, the most likely category, the T-score estimate (SD) with its
    interval (low, high) at ``interval_coverage``, and the letterboxed image the model saw."""

    probabilities: dict[str, float]
    category: str
    t_score: float
    t_interval: tuple[float, float]
    interval_coverage: float
    model_view: np.ndarray


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


INFORMATIVE_AUC = 0.70  # below this, or with a 95 % CI reaching 0.5, the image model is treated as near chance


def image_model_near_chance(evaluation: dict[str, Any] | None) -> bool:
    """Whether the image model's cross-validated AUC (low bone mass vs normal, from ``evaluation.json``) is below
    :data:`INFORMATIVE_AUC` or its 95 % CI includes 0.5; ``True`` without an evaluation (unvalidated).

    No likelihood ratio or post-test probability is derived from the image model while this holds: its odds are
    uncalibrated (calibration slope far below 1) and near chance.
    """
    try:
        auc = evaluation["comparison"]["image"]["auc_low_bone_mass"]  # type: ignore[index]
        return auc["value"] < INFORMATIVE_AUC or auc["ci95_low"] <= 0.5
    except (KeyError, TypeError):
        return True


def image_model_caveat(evaluation: dict[str, Any] | None) -> str:
    """The research-grade caveat of the Image screening page and its PDF, in the current language, with the patient
    count read from ``evaluation.json`` (never typed)."""
    try:
        count = int(evaluation["data"]["patients_with_image"])  # type: ignore[index]
    except (KeyError, TypeError, ValueError):
        count = None
    patients = (_("a small number of patients (evaluation file missing)") if count is None
                else _("{count} patients").format(count=count))
    return _("**Research-grade aid, not a diagnosis.** The bone-density model was trained on {patients} with a DXA "
             "T-score and a knee radiograph from one public collection (site and scanner undocumented), where age "
             "alone separates the groups well. It has not been validated elsewhere. Only DXA measures bone density; "
             "never use this to rule out low bone density.").format(patients=patients)


def image_model_warning(evaluation: dict[str, Any] | None) -> str:
    """The warning every bone-density result leads with (page and PDF), in the current language, built from
    ``evaluation.json``: the image model's cross-validated AUC with its 95 % CI beside age alone, and "close to
    uninformative" when near chance."""
    try:
        image = evaluation["comparison"]["image"]["auc_low_bone_mass"]  # type: ignore[index]
        age = evaluation["comparison"]["age"]["auc_low_bone_mass"]["value"]  # type: ignore[index]
    except (KeyError, TypeError):
        return _("The image model's evaluation file is missing or incomplete, so its accuracy is unknown: treat its "
                 "output as unvalidated and never act on it alone.")
    numbers = {"auc": format_decimal(image["value"], 2), "low": format_decimal(image["ci95_low"], 2),
               "high": format_decimal(image["ci95_high"], 2), "age_auc": format_decimal(age, 2)}
    if image_model_near_chance(evaluation):
        return _("In cross-validation the image model told low bone mass from normal with AUC {auc} (95 % CI "
                 "{low}–{high}; 0.5 is chance), while age alone reached {age_auc}. Its output is close to "
                 "uninformative: it can neither rule low bone density in nor out, so never act on it alone.").format(
                     **numbers)
    return _("In cross-validation the image model told low bone mass from normal with AUC {auc} (95 % CI "
             "{low}–{high}; 0.5 is chance), while age alone reached {age_auc}.").format(**numbers)


BEYOND_CLINICAL = "fused minus clinical"  # evaluation["beyond_age"]["increments"] key of the paired AUC differences
DIFFERENCE_KEYS = ("auc_low_bone_mass_difference", "auc_osteoporosis_difference")


def image_adds_beyond_clinical(evaluation: dict[str, Any] | None) -> bool:
    """Whether the image adds a measurable amount beyond the clinical facts: the paired 95 % CI of the AUC
    difference fused (image + clinical) − clinical, in the same cross-validation folds (``evaluation.json``), lies
    above 0 for low bone mass vs normal or for osteoporosis vs the rest.

    ``False`` without an evaluation or with an incomplete one: unproven counts as adding nothing. The Image
    screening page, its PDF report and the model card all follow this one rule.
    """
    try:
        pair = evaluation["beyond_age"]["increments"][BEYOND_CLINICAL]  # type: ignore[index]
        return any(float(pair[key]["ci95_low"]) > 0 for key in DIFFERENCE_KEYS if key in pair)
    except (KeyError, TypeError, ValueError):
        return False


def _signed_difference(value: float) -> str:
    """A difference with its sign and a true minus, three decimals: ``"+0.003"``, ``"−0.011"``."""
    text = format_decimal(value, 3).replace("-", "−")
    return text if text.startswith("−") else "+" + text


def image_adds_nothing_message(evaluation: dict[str, Any] | None) -> str:
    """What the Image screening page and its PDF say first when :func:`image_adds_beyond_clinical` is ``False``, in
    the current language: the cross-validated AUCs of the clinical facts with and without the image and their paired
    difference with its 95 % CI, read from ``evaluation.json`` (never typed), then that the clinical estimate is the
    answer and the image model's output is for research only. A wording of its own when the file is missing or
    incomplete."""
    try:
        comparison, increments = evaluation["comparison"], evaluation["beyond_age"]["increments"]  # type: ignore[index]
        fused = comparison["fused"]["auc_low_bone_mass"]["value"]
        clinical = comparison["clinical"]["auc_low_bone_mass"]["value"]
        difference = increments[BEYOND_CLINICAL]["auc_low_bone_mass_difference"]
        numbers = {"fused": format_decimal(float(fused), 2), "clinical": format_decimal(float(clinical), 2),
                   "difference": _signed_difference(float(difference["value"])),
                   "low": _signed_difference(float(difference["ci95_low"])),
                   "high": _signed_difference(float(difference["ci95_high"]))}
    except (KeyError, TypeError, ValueError):
        return _("**The image has not been shown to add anything beyond the clinical facts:** its evaluation file "
                 "is missing or incomplete. The answer here is therefore the clinical estimate from the "
                 "patient's facts; the image model's output is shown only for research, below.")
    return _("**The image adds nothing measurable beyond the clinical facts.** In the same cross-validation folds, "
             "the clinical facts with the image told low bone mass from normal with AUC {fused}, the clinical facts "
             "alone {clinical} (difference {difference}, 95 % CI {low} to {high}). The answer here is therefore the "
             "clinical estimate from the patient's facts; the image model's output is shown only for research, "
             "below.").format(**numbers)


class BoneDensityModel(KerasImageModel):
    """The loaded knee bone-density model (two outputs: class logits and the T-score) with its metadata
    (prevalence, T-score interval half-width), on the shared image-model base."""

    cam_layer = LAST_CONV_LAYER
    cam_output = 0  # explain the class logits, not the T-score
    cam_on_logits = True

    def __init__(self, model: Any, metadata: dict[str, Any], cropper: KneeCropper | None = None):
        super().__init__(model, metadata)
        self.cropper = cropper  # the knee crop the model was trained on (manifest "crop"), or None
        self.prevalence = dict(metadata.get("training_prevalence", {}))
        interval = metadata.get("t_interval", {})
        self.half_width = float(interval.get("half_width", 0.0))
        self.coverage = float(interval.get("coverage", 0.9))

    def prepare(self, pixels: np.ndarray) -> np.ndarray:
        """Model input: the knee joint cropped as in training (when the manifest asks for it), resized to the
        model size; used by :meth:`predict` and :meth:`heatmap` alike, so the heatmap matches ``model_view``."""
        return super().prepare(self.cropper(pixels) if self.cropper is not None else pixels)

    def predict(self, images: list[np.ndarray]) -> list[DensityPrediction]:
        """Predict for grayscale uint8 images (any size)."""
        if not images:
            return []
        batch = np.stack([self.prepare(image) for image in images])
        both = np.concatenate([batch, batch[:, :, ::-1]])
        logits, t_scores = self.forward(both)
        count = len(images)
        probabilities = _softmax((logits[:count] + logits[count:]) / 2)
        t_mean = (t_scores[:count, 0] + t_scores[count:, 0]) / 2
        out = []
        for probs, t_score, prepared in zip(probabilities, t_mean, batch, strict=True):
            named = {name: float(p) for name, p in zip(DENSITY_CLASSES, probs, strict=True)}
            out.append(DensityPrediction(
                probabilities=named, category=DENSITY_CLASSES[int(np.argmax(probs))], t_score=float(t_score),
                t_interval=(float(t_score - self.half_width), float(t_score + self.half_width)),
                interval_coverage=self.coverage, model_view=(prepared[:, :, 0] * 255).round().astype(np.uint8),
            ))
        return out

    def heatmap(self, image: np.ndarray, category: str | int | None = None,  # type: ignore[override]
                method: str = "gradcam") -> np.ndarray:
        """Class activation map (size, size) in [0, 1] for ``category`` (a name, or default the most likely)."""
        target = DENSITY_CLASSES.index(category) if isinstance(category, str) else category
        return super().heatmap(image, target, method)


@cached_loader(DENSITY_MODEL_NAME)
def load_bone_density_model(folder: Path | None = None) -> BoneDensityModel:
    """Load the knee bone-density model (default ``models/bone_density_knee``) once. Raises ModelLoadError."""
    model, metadata = load_image_network(Path(folder), N_("bone-density model"))  # folder resolved by decorator
    try:
        cropper = KneeCropper.from_manifest(Path(folder), metadata)
    except (OSError, ValueError, KeyError) as exc:
        raise ModelLoadError(_("The bone-density model's knee template cannot be read: {error}").format(
            error=exc)) from exc
    return BoneDensityModel(model, metadata, cropper)
