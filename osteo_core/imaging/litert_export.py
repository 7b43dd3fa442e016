"""Export a Keras image model to the LiteRT serving format (see :mod:`osteo_core.imaging.litert_runtime`), check the
export against the Keras model, and name it in the model folder's manifest.

Needs TensorFlow (the converter); the app only needs ``ai-edge-litert`` to run the result.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from osteo_core.imaging.litert_runtime import FORWARD, HEAD_GRADIENTS, RUNTIME_FORMAT, LiteRTNetwork
from osteo_core.model_files import file_sha256

RUNTIME_FILE = "model.tflite"
# largest accepted difference LiteRT − Keras: absolute on the outputs (probabilities, logits, T-scores); on the feature
# map and the Grad-CAM gradients relative to their largest magnitude (float32 round-off: ~1e-6)
TOLERANCE = 1e-4


def _relative(value: np.ndarray, reference: np.ndarray) -> float:
    """max |value − reference| / max |reference| (0 when both are zero)."""
    scale = float(np.abs(reference).max())
    difference = float(np.abs(value - reference).max())
    return difference / scale if scale > 0 else difference


def convert_to_litert(model: Any, cam_layer: str | None, cam_output: int | None = None,
                      on_logits: bool = False) -> bytes:
    """The LiteRT flatbuffer of a Keras image model with the ``forward`` and (when ``cam_layer`` is a layer of the
    model) ``head_gradients`` signatures. Raises ValueError when the converter fails."""
    import keras
    import tensorflow as tf

    names = {layer.name for layer in model.layers}
    has_features = cam_layer is not None and cam_layer in names
    outputs = list(model.outputs)
    features = [model.get_layer(cam_layer).output] if has_features else []
    network = keras.Model(model.inputs[0], features + outputs)
    input_spec = tf.TensorSpec([None, *model.inputs[0].shape[1:]], tf.float32)

    def forward(images):
        out = network(images, training=False)
        out = list(out) if isinstance(out, (list, tuple)) else [out]
        named = {f"output_{i}": tensor for i, tensor in enumerate(out[len(features):])}
        return named | ({"features": out[0]} if has_features else {})

    archive = keras.export.ExportArchive()
    archive.track(network)
    archive.add_endpoint(FORWARD, forward, input_signature=[input_spec])
    if has_features:
        explained = outputs[cam_output or 0]
        head = keras.Model(features[0], explained)

        def head_gradients(features, classes):  # batch 1: dynamic shapes would need TF ops LiteRT lacks
            with tf.GradientTape() as tape:
                tape.watch(features)
                output = head(features, training=False)
                chosen = tf.gather(output, classes, axis=1, batch_dims=1)
                score = chosen if on_logits else tf.math.log(chosen + 1e-12)
            return {"gradients": tape.gradient(score, features), "explained": output}

        archive.track(head)
        archive.add_endpoint(HEAD_GRADIENTS, head_gradients, input_signature=[
            tf.TensorSpec([1, *features[0].shape[1:]], tf.float32), tf.TensorSpec([1], tf.int32)])
    with tempfile.TemporaryDirectory() as tmp:
        archive.write_out(tmp, verbose=False)
        signatures = [FORWARD, HEAD_GRADIENTS] if has_features else [FORWARD]
        converter = tf.lite.TFLiteConverter.from_saved_model(tmp, signature_keys=signatures)
        try:
            return converter.convert()
        except Exception as exc:  # the converter raises its own error types
            raise ValueError(f"LiteRT conversion failed: {exc}") from exc


def compare_with_keras(model: Any, network: LiteRTNetwork, images: np.ndarray, cam_layer: str | None,
                       cam_output: int | None = None, on_logits: bool = False) -> dict[str, float]:
    """Largest differences between the Keras model and its LiteRT export on prepared ``images`` (N, size, size, 1):
    ``outputs`` absolute; ``features`` and ``gradients`` (Grad-CAM head gradients of the top class) relative to
    their largest magnitude."""
    import keras

    from osteo_core.explain.gradcam import keras_head_gradients

    images = np.asarray(images, dtype=np.float32)
    features_lite, outputs_lite = network.run(images)
    differences = {}
    if network.has_features:
        reference = keras.Model(model.inputs[0], [model.get_layer(cam_layer).output, *model.outputs])(images)
        features_keras, outputs_keras = np.asarray(reference[0]), [np.asarray(o) for o in reference[1:]]
        differences["features"] = _relative(features_lite, features_keras)
        explained = outputs_keras[cam_output or 0]
        classes = explained.argmax(axis=1).astype(np.int32)
        gradients_keras = np.asarray(keras_head_gradients(model, cam_layer, cam_output, on_logits)(
            features_keras, classes))
        differences["gradients"] = _relative(network.head_gradients(features_keras, classes), gradients_keras)
    else:
        out = model(images, training=False)
        outputs_keras = [np.asarray(o) for o in (out if isinstance(out, (list, tuple)) else [out])]
    differences["outputs"] = max(float(np.abs(a - b).max()) for a, b in zip(outputs_lite, outputs_keras, strict=True))
    return differences


def export_model_folder(folder: Path, model: Any, images: np.ndarray, cam_layer: str | None,
                        cam_output: int | None = None, on_logits: bool = False) -> dict[str, Any]:
    """Write ``model.tflite`` into the model folder, check it against ``model`` on prepared ``images`` and add the
    ``runtime`` entry (file, checksum, measured differences) to ``manifest.json``; returns that entry.
    Raises ValueError when conversion fails or any difference exceeds ``TOLERANCE``."""
    folder = Path(folder)
    content = convert_to_litert(model, cam_layer, cam_output, on_logits)
    differences = compare_with_keras(model, LiteRTNetwork(content), images, cam_layer, cam_output, on_logits)
    worst = max(differences.values())
    if not worst <= TOLERANCE:
        raise ValueError(f"the LiteRT export differs from the Keras model by {worst:.2e} (> {TOLERANCE:.0e}): "
                         f"{differences}")
    path = folder / RUNTIME_FILE
    path.write_bytes(content)
    entry = {"format": RUNTIME_FORMAT, "file": RUNTIME_FILE, "sha256": file_sha256(path),
             "checked_images": int(len(images)),
             "max_difference": {name: float(f"{value:.3g}") for name, value in differences.items()}}
    write_runtime_entry(folder, entry)
    return entry


def write_runtime_entry(folder: Path, entry: dict[str, Any]) -> None:
    """Write ``entry`` as the ``runtime`` entry of ``folder/manifest.json`` (other keys kept). Raises OSError or
    ValueError when the manifest cannot be read or written."""
    manifest_path = Path(folder) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["runtime"] = entry
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
