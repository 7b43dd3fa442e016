"""One base for the shipped image models (body-part gate, KL grader, bone density): load with the manifest check,
version, preprocessing, a compiled forward pass and ``heatmap(target)``.

The network behind it is either the Keras model (training, evaluation, tests) or, in the app and on the command
line, its checked LiteRT export (:mod:`osteo_core.imaging.litert_runtime`), which needs neither TensorFlow nor Keras.
TensorFlow/Keras are imported inside functions so that importing this module stays cheap.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import numpy as np

from osteo_core.config import image_runtime
from osteo_core.errors import ModelLoadError
from osteo_core.i18n import _
from osteo_core.imaging.litert_runtime import LiteRTNetwork, load_litert_network
from osteo_core.imaging.preprocess import prepare_for_model
from osteo_core.model_files import read_manifest

_LOG = logging.getLogger("osteo.image_models")


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


def load_image_network(folder: Path, description: str) -> tuple[Any, dict[str, Any]]:
    """(network, manifest) of a model folder for serving: its LiteRT export when the manifest names one, the
    ``ai-edge-litert`` package is installed and ``OSTEO_IMAGE_RUNTIME`` is not ``keras``; otherwise the Keras model.
    Only the file actually loaded is checked against its checksum in the manifest. Raises :class:`ModelLoadError`
    (also for an unknown ``OSTEO_IMAGE_RUNTIME``)."""
    folder = Path(folder)
    try:
        runtime = image_runtime()
    except ValueError as exc:
        raise ModelLoadError(_("The image models cannot be loaded because a setting is wrong: {error}").format(
            error=exc)) from exc
    if runtime == "litert":
        manifest = read_manifest(folder, check_weights=False)
        network = load_litert_network(folder, manifest)
        if network is not None:
            return network, manifest
        _LOG.info("%s: no LiteRT export usable, loading the Keras model", folder.name)
    return load_keras_model(folder, description)


class KerasImageModel:
    """A loaded image model (a Keras model or its :class:`LiteRTNetwork` export) and its manifest.

    Subclasses set ``cam_layer`` (the convolutional layer Grad-CAM reads), and for multi-output models
    ``cam_output`` (which output to explain) and ``cam_on_logits``. Input: grayscale uint8 images, letterboxed to
    ``input_size`` and scaled to [0, 1] (optionally CLAHE, from the manifest).
    """

    cam_layer = "kl_features"
    cam_output: int | None = None
    cam_on_logits = False
    warm_heatmap = True  # warm_up() also runs the default Grad-CAM (the app shows it with every answer)
    default_size = 224

    def __init__(self, model: Any, metadata: dict[str, Any]):
        self.model = model
        self.metadata = metadata
        self.runtime = "litert" if isinstance(model, LiteRTNetwork) else "keras"
        shape = getattr(model, "input_shape", None)
        self.size = int(metadata.get("input_size", shape[1] if shape and shape[1] else self.default_size))
        self.clahe = bool(metadata.get("clahe", False))
        self._forward: Any = None
        self._compiling = threading.RLock()  # the warm-up thread and a first request must not both trace
        self._has_features = False
        self._cams: dict[str, Any] = {}

    @property
    def version(self) -> str:
        return str(self.metadata.get("version", "unknown"))

    def prepare(self, pixels: np.ndarray) -> np.ndarray:
        """Model input (size, size, 1) float32 in [0, 1] from a grayscale uint8 image."""
        return prepare_for_model(pixels, self.size, clahe=self.clahe)

    def _compile(self) -> Any:
        """One forward pass for any batch size, returning the ``cam_layer`` feature map (when the model has that
        layer) followed by the model's outputs, so a heatmap reuses the same pass and only adds a small gradient
        step through the head. For Keras: a ``tf.function`` built once, under a lock (a request arriving during the
        warm-up waits for the warm-up's trace instead of tracing a second copy)."""
        with self._compiling:
            if self._forward is None:
                if isinstance(self.model, LiteRTNetwork):
                    self._forward = self._litert_forward
                    self._has_features = self.model.has_features
                else:
                    self._forward = self._keras_forward()
            return self._forward

    def _litert_forward(self, images: Any) -> tuple[np.ndarray, ...]:
        features, outputs = self.model.run(np.asarray(images, dtype=np.float32))
        return tuple(outputs) if features is None else (features, *outputs)

    def _keras_forward(self) -> Any:
        import keras
        import tensorflow as tf

        self._has_features = self.cam_layer in {layer.name for layer in self.model.layers}
        features = [self.model.get_layer(self.cam_layer).output] if self._has_features else []
        network = keras.Model(self.model.inputs, features + list(self.model.outputs))
        spec = tf.TensorSpec([None, *self.model.inputs[0].shape[1:]], tf.float32)

        def run(x: Any) -> tuple[Any, ...]:
            out = network(x, training=False)  # Keras returns a bare tensor for a one-output network
            return tuple(out) if isinstance(out, (list, tuple)) else (out,)

        return tf.function(run, input_signature=[spec])

    @property
    def _output_count(self) -> int:
        if isinstance(self.model, LiteRTNetwork):
            return self.model.output_count
        return len(self.model.outputs)

    def forward(self, batch: np.ndarray) -> np.ndarray | list[np.ndarray]:
        """The model's output(s) for prepared inputs (N, size, size, 1), through the compiled forward pass."""
        out = self._compile()(np.asarray(batch, dtype=np.float32))
        outputs = [np.asarray(o) for o in out[1:]] if self._has_features else [np.asarray(o) for o in out]
        return outputs[0] if self._output_count == 1 else outputs

    def _trunk(self, images: Any) -> tuple[Any, Any]:
        """(feature map, explained output) from the shared compiled pass, for the CAM."""
        out = self._compile()(images)
        return out[0], out[1 + (self.cam_output or 0)]

    def _make_cam(self, method: str) -> Any:
        from osteo_core.explain.gradcam import cam_method, make_cam

        if isinstance(self.model, LiteRTNetwork):
            cam_class = cam_method(method)
            if not self.model.has_features:
                raise ValueError(f"this model has no Grad-CAM layer {self.cam_layer!r}")
            return cam_class(self._trunk, self.model.head_gradients, self.cam_on_logits)
        return make_cam(self.model, self.cam_layer, method, output_index=self.cam_output,
                        on_logits=self.cam_on_logits, trunk=self._trunk if self._has_features else None)

    def heatmap(self, image: np.ndarray, target: int | None = None, method: str = "gradcam") -> np.ndarray:
        """Class activation map (size, size) in [0, 1] of class index ``target`` (default: the top class) on the
        model's view of a grayscale uint8 ``image``. Raises ValueError for an unknown ``method``."""
        self._compile()
        with self._compiling:
            if method not in self._cams:
                self._cams[method] = self._make_cam(method)
        maps, _ = self._cams[method](self.prepare(image)[None], target)
        return maps[0]

    def warm_up(self) -> None:
        """Run what the app's first request runs, on a blank image: the forward pass (traced for any batch size
        under Keras) and, for a model the app explains (``warm_heatmap``), the default Grad-CAM step — so the first
        real upload pays no tracing or allocation."""
        blank = np.zeros((self.size, self.size), dtype=np.uint8)
        self.forward(self.prepare(blank)[None])
        if self.warm_heatmap:
            self.heatmap(blank)
