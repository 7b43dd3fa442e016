"""The serving runtime of the shipped image models: a LiteRT (TensorFlow Lite) export of each Keras model.

The Keras ``.keras`` file stays the model of record (training, evaluation, faithfulness). For the app and the command
line, ``training/export_litert.py`` writes ``model.tflite`` next to it, checked against the Keras model on real
images, and names it in the manifest under ``runtime``. Loading it needs neither TensorFlow nor Keras (importing
TensorFlow alone takes 3–7 s, loading and tracing the Keras KL ensemble another ~6 s on 2 cores), so the first
upload on a fresh server no longer waits for them.

An export has two signatures:

* ``forward``: ``images`` (N, size, size, 1) → ``output_0`` … (the model's outputs) and, when the model has its
  Grad-CAM layer, ``features`` (that layer's feature map);
* ``head_gradients`` (only with ``features``): ``features`` (1, h, w, k) and ``classes`` (1,) int32 →
  ``gradients`` (d score / d features) and ``explained`` (the explained output), where the score is the log
  probability of the class, or its logit for a model explained on logits — the same as the Keras Grad-CAM.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from osteo_core.errors import ModelLoadError
from osteo_core.i18n import _
from osteo_core.model_files import file_sha256

RUNTIME_FORMAT = "litert"
FORWARD = "forward"
HEAD_GRADIENTS = "head_gradients"
THREADS = 2


def litert_available() -> bool:
    """Whether the LiteRT interpreter (package ``ai-edge-litert``) can be imported."""
    try:
        import ai_edge_litert.interpreter  # noqa: F401
    except ImportError:
        return False
    return True


class LiteRTNetwork:
    """A loaded LiteRT export: the forward pass for any batch size and the Grad-CAM head gradients.

    Thread-safe: one interpreter serves all sessions of a server, one call at a time (a call takes tens of ms).
    """

    def __init__(self, content: bytes, threads: int = THREADS):
        from ai_edge_litert.interpreter import Interpreter

        self._interpreter = Interpreter(model_content=content, num_threads=threads)
        self._lock = threading.Lock()
        signatures = self._interpreter.get_signature_list()
        if FORWARD not in signatures:
            raise ValueError(f"the LiteRT file has no {FORWARD!r} signature (found {sorted(signatures)})")
        self._forward = self._interpreter.get_signature_runner(FORWARD)
        outputs = list(signatures[FORWARD]["outputs"])
        self.output_names = sorted((name for name in outputs if name.startswith("output_")),
                                   key=lambda name: int(name.split("_")[1]))
        self.has_features = "features" in outputs
        self._head = (self._interpreter.get_signature_runner(HEAD_GRADIENTS)
                      if self.has_features and HEAD_GRADIENTS in signatures else None)
        shape = self._forward.get_input_details()["images"]["shape_signature"]
        self.input_shape = (None, *(int(v) for v in shape[1:]))

    @property
    def output_count(self) -> int:
        return len(self.output_names)

    def run(self, images: np.ndarray) -> tuple[np.ndarray | None, list[np.ndarray]]:
        """(feature map or ``None``, outputs) for float32 inputs (N, size, size, 1)."""
        images = np.ascontiguousarray(images, dtype=np.float32)
        with self._lock:
            result = self._forward(images=images)
            # the runner returns views of the interpreter's buffers: copy before the next call reuses them
            outputs = [np.array(result[name]) for name in self.output_names]
            features = np.array(result["features"]) if self.has_features else None
        return features, outputs

    def head_gradients(self, features: np.ndarray, classes: np.ndarray) -> np.ndarray:
        """d score / d features (N, h, w, k) for each feature map and its class index (one image per call inside).
        Raises ValueError when the export has no Grad-CAM head."""
        if self._head is None:
            raise ValueError("this LiteRT export has no Grad-CAM head (no feature layer)")
        features = np.asarray(features, dtype=np.float32)
        classes = np.asarray(classes, dtype=np.int32)
        gradients = []
        with self._lock:
            for one, target in zip(features, classes, strict=True):
                result = self._head(features=one[None], classes=np.array([target], dtype=np.int32))
                gradients.append(np.array(result["gradients"][0]))
        return np.stack(gradients)


def load_litert_network(folder: Path, manifest: dict[str, Any]) -> LiteRTNetwork | None:
    """The LiteRT network named by the manifest's ``runtime`` entry, checksum-verified — or ``None`` when the
    manifest names none or the ``ai-edge-litert`` package is not installed (the caller then uses Keras). Raises
    :class:`ModelLoadError` when the named file is missing, altered or unreadable."""
    runtime = manifest.get("runtime")
    if not isinstance(runtime, dict) or runtime.get("format") != RUNTIME_FORMAT or not litert_available():
        return None
    path = Path(folder) / str(runtime.get("file", ""))
    if not path.is_file():
        raise ModelLoadError(_("Model file {path} is missing; see the README for how to retrain it.").format(
            path=path))
    if file_sha256(path) != runtime.get("sha256"):
        raise ModelLoadError(_("Model file {path} does not match the checksum in {manifest}.").format(
            path=path, manifest=Path(folder) / "manifest.json"))
    try:
        return LiteRTNetwork(path.read_bytes())
    except (ValueError, RuntimeError, KeyError) as exc:
        raise ModelLoadError(_("The {description} in {folder} cannot be loaded: {error}").format(
            description=path.name, folder=folder, error=exc)) from exc
