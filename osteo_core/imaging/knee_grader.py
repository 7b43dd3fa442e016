"""The shipped Kellgren–Lawrence knee grader: loading (once, checksum-verified), prediction, grade sets, Grad-CAM."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from osteo_core.conformal import format_grade_set, grade_sets
from osteo_core.errors import ModelLoadError
from osteo_core.imaging.kl_model import LAST_CONV_LAYER, decode_grades
from osteo_core.imaging.preprocess import prepare_for_model
from osteo_core.model_files import cached_loader, read_manifest

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
    warnings: list[str] = field(default_factory=list)


class KneeGrader:
    """A loaded KL model with its preprocessing settings and conformal threshold."""

    def __init__(self, model: Any, metadata: dict[str, Any]):
        self.model = model
        self.metadata = metadata
        self.size = int(metadata.get("input_size", model.input_shape[1]))
        self.clahe = bool(metadata.get("clahe", False))
        self.decoding = str(metadata.get("decoding", "argmax"))
        conformal = metadata.get("conformal", {})
        self.threshold = float(conformal.get("threshold", 1.0))
        self.coverage = float(conformal.get("coverage", 0.9))
        self._cams: dict[str, Any] = {}
        self._predict = None

    @property
    def version(self) -> str:
        return str(self.metadata.get("version", "unknown"))

    def prepare(self, pixels: np.ndarray) -> np.ndarray:
        """Model input (size, size, 1) float32 in [0, 1] from a grayscale uint8 image."""
        return prepare_for_model(pixels, self.size, clahe=self.clahe)

    def predict_inputs(self, batch: np.ndarray) -> np.ndarray:
        """Probabilities (N, 5) for prepared inputs (N, size, size, 1)."""
        if self._predict is None:
            import tensorflow as tf

            self._predict = tf.function(lambda x: self.model(x, training=False), reduce_retracing=True)
        return np.asarray(self._predict(np.asarray(batch, dtype=np.float32)))

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
        from osteo_core.explain.gradcam import make_cam

        if method not in self._cams:
            self._cams[method] = make_cam(self.model, LAST_CONV_LAYER, method)
        maps, _ = self._cams[method](self.prepare(image)[None], grade)
        return maps[0]


@cached_loader(KNEE_MODEL_NAME)
def load_knee_grader(folder: Path | None = None) -> KneeGrader:
    """Load the KL grader from ``folder`` (default ``models/knee_kl``) once. Raises :class:`ModelLoadError`."""
    folder = Path(folder)  # resolved by @cached_loader
    manifest = read_manifest(folder)
    try:
        import keras

        model = keras.models.load_model(folder / manifest["file"], compile=False)
    except Exception as exc:  # keras raises many types for a broken file
        raise ModelLoadError(f"The knee model in {folder} cannot be loaded: {exc}") from exc
    return KneeGrader(model, manifest)
