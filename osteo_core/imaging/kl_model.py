"""The Kellgren–Lawrence knee grader: architecture, grade decoding and plain-word grade definitions.

TensorFlow/Keras are imported inside functions so that importing this module stays cheap.
"""

from __future__ import annotations

import numpy as np

from osteo_core.i18n import _
from osteo_core.vocabulary import KL_DEFINITIONS, KL_GRADES, KL_NAMES, KL_SOURCE  # noqa: F401 (shared names, re-exported)

LAST_CONV_LAYER = "kl_features"


def build_kl_model(size: int = 224, classes: int = 5):
    """MobileNetV3-Small from scratch on a (size, size, 1) input in [0, 1], softmax over KL 0–4.

    The last convolutional feature map is exposed as the layer ``kl_features`` for Grad-CAM.
    """
    import keras
    from keras import layers

    inputs = keras.Input((size, size, 1), name="radiograph")
    scaled = layers.Rescaling(2.0, -1.0, name="to_unit_range")(inputs)
    backbone = keras.applications.MobileNetV3Small(
        input_tensor=scaled, include_top=False, weights=None, include_preprocessing=False
    )
    for layer in backbone.layers:
        if isinstance(layer, layers.BatchNormalization):
            layer.momentum = 0.99  # Keras' 0.999 leaves inference statistics stale for thousands of steps
    features = layers.Activation("linear", name=LAST_CONV_LAYER)(backbone.output)
    pooled = layers.GlobalAveragePooling2D(name="pool")(features)
    pooled = layers.Dropout(0.3, name="dropout")(pooled)
    outputs = layers.Dense(classes, activation="softmax", name="kl_probabilities")(pooled)
    return keras.Model(inputs, outputs, name="knee_kl_mobilenetv3s")


def decode_grades(probabilities: np.ndarray, decoding: str = "argmax") -> np.ndarray:
    """Grades from (N, 5) probabilities: ``argmax`` or ``expected`` (the rounded expected grade)."""
    probabilities = np.asarray(probabilities, dtype=float)
    if decoding == "argmax":
        return probabilities.argmax(axis=1)
    if decoding == "expected":
        expected = probabilities @ np.arange(probabilities.shape[1])
        return np.clip(np.rint(expected), 0, probabilities.shape[1] - 1).astype(int)
    raise ValueError(_("decoding must be 'argmax' or 'expected'. Got {value}.").format(value=repr(decoding)))
