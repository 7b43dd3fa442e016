"""One base for the shipped Keras image models (body-part gate, KL grader, bone density): load with the manifest
check, version, preprocessing, a compiled forward pass and ``heatmap(target)``.

TensorFlow/Keras are imported inside functions so that importing this module stays cheap.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from osteo_core.errors import ModelLoadError
from osteo_core.i18n import _
from osteo_core.imaging.preprocess import prepare_for_model
from osteo_core.model_files import read_manifest


def load_keras_model(folder: Path, description: str) -> tuple[Any, dict[str, Any]]:
    """(Keras model, manifest) of a model folder, the weights checked against the manifest's checksum.

    Raises :class:`ModelLoadError` naming ``description`` (e.g. "knee model", an English msgid marked with ``N_``)
    when either cannot be loaded.
    """
    folder = Path(folder)
    manifest = read_manifest(folder)
    try:
        import keras

        model = keras.models.load_model(folder / manifest["file"], compile=False)
    except Exception as exc:  # keras raises many types for a broken file
        raise ModelLoadError(_("The {description} in {folder} cannot be loaded: {error}").format(
            description=_(description), folder=folder, error=exc)) from exc
    return model, manifest


class KerasImageModel:
    """A loaded Keras image model and its manifest.

    Subclasses set ``cam_layer`` (the convolutional layer Grad-CAM reads), and for multi-output models
    ``cam_output`` (which output to explain) and ``cam_on_logits``. Input: grayscale uint8 images, letterboxed to
    ``input_size`` and scaled to [0, 1] (optionally CLAHE, from the manifest).
    """

    cam_layer = "kl_features"
    cam_output: int | None = None
    cam_on_logits = False
    default_size = 224

    def __init__(self, model: Any, metadata: dict[str, Any]):
        self.model = model
        self.metadata = metadata
        shape = getattr(model, "input_shape", None)
        self.size = int(metadata.get("input_size", shape[1] if shape and shape[1] else self.default_size))
        self.clahe = bool(metadata.get("clahe", False))
        self._forward = None
        self._cams: dict[str, Any] = {}

    @property
    def version(self) -> str:
        return str(self.metadata.get("version", "unknown"))

    def prepare(self, pixels: np.ndarray) -> np.ndarray:
        """Model input (size, size, 1) float32 in [0, 1] from a grayscale uint8 image."""
        return prepare_for_model(pixels, self.size, clahe=self.clahe)

    def forward(self, batch: np.ndarray) -> np.ndarray | list[np.ndarray]:
        """The model's output(s) for prepared inputs (N, size, size, 1), through one compiled ``tf.function``."""
        if self._forward is None:
            import tensorflow as tf

            self._forward = tf.function(lambda x: self.model(x, training=False), reduce_retracing=True)
        out = self._forward(np.asarray(batch, dtype=np.float32))
        if isinstance(out, (list, tuple)):
            return [np.asarray(o) for o in out]
        return np.asarray(out)

    def heatmap(self, image: np.ndarray, target: int | None = None, method: str = "gradcam") -> np.ndarray:
        """Class activation map (size, size) in [0, 1] of class index ``target`` (default: the top class) on the
        model's view of a grayscale uint8 ``image``. Raises ValueError for an unknown ``method``."""
        from osteo_core.explain.gradcam import make_cam

        if method not in self._cams:
            self._cams[method] = make_cam(self.model, self.cam_layer, method, output_index=self.cam_output,
                                          on_logits=self.cam_on_logits)
        maps, _ = self._cams[method](self.prepare(image)[None], target)
        return maps[0]

    def warm_up(self) -> None:
        """Trace the compiled forward pass once on a blank image (so the first real request is fast)."""
        self.forward(np.zeros((1, self.size, self.size, 1), dtype=np.float32))
