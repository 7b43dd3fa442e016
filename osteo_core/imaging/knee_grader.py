"""The shipped Kellgren–Lawrence knee grader: loading (once, checksum-verified), prediction, grade sets, Grad-CAM."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from osteo_core.conformal import format_grade_set, grade_sets
from osteo_core.errors import ModelLoadError
from osteo_core.i18n import N_, _
from osteo_core.imaging.keras_model import KerasImageModel, load_image_network
from osteo_core.imaging.kl_model import LAST_CONV_LAYER, decode_grades
from osteo_core.model_files import cached_loader

KNEE_MODEL_NAME = "knee_kl"


@dataclass
class KneePrediction:
    """One knee: ``grade`` (KL 0–4), ``probabilities`` (5 values summing to 1), the conformal ``grade_range``
    (low, high) and its text, and the letterboxed image the model saw (uint8, for overlays)."""

    grade: int
    probabilities: np.ndarray
    grade_range: tuple[int, int]
    grade_set: str
    model_view: np.ndarray


class KneeGrader(KerasImageModel):
    """A loaded KL model with its preprocessing settings and conformal threshold."""

    cam_layer = LAST_CONV_LAYER

    def __init__(self, model: Any, metadata: dict[str, Any]):
        super().__init__(model, metadata)
        self.decoding = str(metadata.get("decoding", "argmax"))
        self.tta = str(metadata.get("tta", "none"))
        if self.tta not in ("none", "horizontal_flip"):
            raise ModelLoadError(_("manifest 'tta' must be 'none' or 'horizontal_flip'. Got {value}.").format(
                value=repr(self.tta)))
        conformal = metadata.get("conformal", {})
        self.threshold = float(conformal.get("threshold", 1.0))
        self.coverage = float(conformal.get("coverage", 0.9))

    def predict_inputs(self, batch: np.ndarray) -> np.ndarray:
        """Probabilities (N, 5) for prepared inputs (N, size, size, 1); with manifest ``tta: horizontal_flip`` the
        mean over the image and its mirror image (one batch of 2N)."""
        batch = np.asarray(batch, dtype=np.float32)
        if self.tta == "horizontal_flip":
            both = self.forward(np.concatenate([batch, batch[:, :, ::-1]]))
            return (both[: len(batch)] + both[len(batch):]) / 2
        return self.forward(batch)

    def predict(self, images: list[np.ndarray]) -> list[KneePrediction]:
        """Grade each grayscale uint8 image (any size; letterboxed to the model's input)."""
        if not images:
            return []
        batch = np.stack([self.prepare(image) for image in images])
        probabilities = self.predict_inputs(batch)
        grades = decode_grades(probabilities, self.decoding)
        ranges = grade_sets(probabilities, self.threshold)
        return [
            KneePrediction(
                grade=int(grade), probabilities=probs, grade_range=grade_range,
                grade_set=format_grade_set(grade_range, self.coverage),
                model_view=(prepared[:, :, 0] * 255).round().astype(np.uint8),
            )
            for grade, probs, grade_range, prepared in zip(grades, probabilities, ranges, batch, strict=True)
        ]

    def heatmap(self, image: np.ndarray, grade: int | None = None, method: str = "gradcam") -> np.ndarray:
        """Class activation map (size, size) in [0, 1] for ``grade`` (default: predicted) on the model's view."""
        return super().heatmap(image, grade, method)


@cached_loader(KNEE_MODEL_NAME)
def load_knee_grader(folder: Path | None = None) -> KneeGrader:
    """Load the KL grader from ``folder`` (default ``models/knee_kl``) once. Raises :class:`ModelLoadError`."""
    return KneeGrader(*load_image_network(Path(folder), N_("knee model")))  # folder resolved by @cached_loader
