"""Bone density from a knee radiograph: normal / osteopenia / osteoporosis probabilities, an estimated T-score with
an interval, Grad-CAM, and the Bayesian combination with a clinical pre-test probability.

The shipped Keras model has two outputs on the KL backbone's pooled features: class logits and the T-score. The
prediction averages the image and its mirror image (as in training), then applies the softmax.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from osteo_core.errors import ModelLoadError
from osteo_core.imaging.kl_model import LAST_CONV_LAYER
from osteo_core.imaging.preprocess import prepare_for_model
from osteo_core.model_files import cached_loader, read_manifest

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


def likelihood_ratio(p_image: float, prevalence: float) -> float:
    """Likelihood ratio implied by the image model: its posterior odds over the training prior odds."""
    p = float(np.clip(p_image, 1e-6, 1 - 1e-6))
    q = float(np.clip(prevalence, 1e-6, 1 - 1e-6))
    return (p / (1 - p)) / (q / (1 - q))


def post_test_probability(pre_test: float, p_image: float, prevalence: float) -> float:
    """Bayes: post-test odds = pre-test odds × the image's likelihood ratio. Probabilities are 0–1.

    Raises ``ValueError`` for a pre-test probability outside (0, 1).
    """
    if not 0.0 < pre_test < 1.0:
        raise ValueError(f"pre-test probability must be between 0 and 1 (exclusive). Got {pre_test}.")
    odds = pre_test / (1 - pre_test) * likelihood_ratio(p_image, prevalence)
    return odds / (1 + odds)


class BoneDensityModel:
    """The loaded knee bone-density model with its metadata (prevalence, T-score interval half-width)."""

    def __init__(self, model: Any, metadata: dict[str, Any]):
        self.model = model
        self.metadata = metadata
        self.size = int(metadata.get("input_size", model.input_shape[1]))
        self.prevalence = dict(metadata.get("training_prevalence", {}))
        interval = metadata.get("t_interval", {})
        self.half_width = float(interval.get("half_width", 0.0))
        self.coverage = float(interval.get("coverage", 0.9))
        self._cams: dict[str, Any] = {}

    @property
    def version(self) -> str:
        return str(self.metadata.get("version", "unknown"))

    def predict(self, images: list[np.ndarray]) -> list[DensityPrediction]:
        """Predict for grayscale uint8 images (any size)."""
        if not images:
            return []
        batch = np.stack([prepare_for_model(image, self.size) for image in images])
        both = np.concatenate([batch, batch[:, :, ::-1]])
        logits, t_scores = (np.asarray(o) for o in self.model(both, training=False))
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

    def heatmap(self, image: np.ndarray, category: str | None = None, method: str = "gradcam") -> np.ndarray:
        """Class activation map (size, size) in [0, 1] for ``category`` (default: the most likely)."""
        from osteo_core.explain.gradcam import make_cam

        if method not in self._cams:
            self._cams[method] = make_cam(self.model, LAST_CONV_LAYER, method, output_index=0, on_logits=True)
        target = None if category is None else DENSITY_CLASSES.index(category)
        maps, _ = self._cams[method](prepare_for_model(image, self.size)[None], target)
        return maps[0]


@cached_loader(DENSITY_MODEL_NAME)
def load_bone_density_model(folder: Path | None = None) -> BoneDensityModel:
    """Load the knee bone-density model (default ``models/bone_density_knee``) once. Raises ModelLoadError."""
    folder = Path(folder)  # resolved by @cached_loader
    manifest = read_manifest(folder)
    try:
        import keras

        model = keras.models.load_model(folder / manifest["file"], compile=False)
    except Exception as exc:  # keras raises many types for a broken file
        raise ModelLoadError(f"The bone-density model in {folder} cannot be loaded: {exc}") from exc
    return BoneDensityModel(model, manifest)
