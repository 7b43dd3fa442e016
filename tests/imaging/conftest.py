"""A tiny synthetic KL model built by hand (no training) and synthetic radiographs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from osteo_core.imaging.kl_model import LAST_CONV_LAYER
from osteo_core.model_files import write_manifest

SIZE = 64


def build_tiny_kl_model():
    """Conv (identity on channel 0) → named feature map → global average → softmax.

    Class 4's score grows with mean brightness, so Grad-CAM for class 4 must peak on bright pixels.
    """
    import keras
    from keras import layers

    inputs = keras.Input((SIZE, SIZE, 1))
    conv = layers.Conv2D(4, 3, padding="same", activation="relu", name="conv")
    features = layers.Activation("linear", name=LAST_CONV_LAYER)(conv(inputs))
    pooled = layers.GlobalAveragePooling2D()(features)
    dense = layers.Dense(5, activation="softmax", name="probabilities")
    model = keras.Model(inputs, dense(pooled))
    kernel = np.zeros((3, 3, 1, 4), dtype="float32")
    kernel[1, 1, 0, 0] = 1.0
    conv.set_weights([kernel, np.zeros(4, dtype="float32")])
    weights = np.zeros((4, 5), dtype="float32")
    weights[0] = [-8.0, -4.0, 0.0, 4.0, 8.0]
    dense.set_weights([weights, np.array([2.0, 1.0, 0.0, -1.0, -2.0], dtype="float32")])
    return model


@pytest.fixture(scope="session")
def tiny_kl_model():
    return build_tiny_kl_model()


@pytest.fixture(scope="session")
def tiny_kl_folder(tmp_path_factory, tiny_kl_model):
    """A model folder like models/knee_kl, holding the tiny model and a manifest."""
    folder = tmp_path_factory.mktemp("knee_kl")
    weights = folder / "model.keras"
    tiny_kl_model.save(weights)
    write_manifest(folder, weights, {"input_size": SIZE, "decoding": "argmax", "version": "tiny-test",
                                     "conformal": {"threshold": 0.8, "coverage": 0.9}})
    (folder / "model_card.md").write_text("# tiny\n")
    (folder / "evaluation.json").write_text(json.dumps({}))
    return folder


def synthetic_knee(size: int = 256, seed: int = 0) -> np.ndarray:
    """A gray, radiograph-like uint8 image: dark background, two bright 'bones' with a gap, noise."""
    rng = np.random.default_rng(seed)
    image = np.full((size, size), 30, dtype=np.float32)
    image[: size // 2 - 8, size // 4: 3 * size // 4] = 170
    image[size // 2 + 8:, size // 4: 3 * size // 4] = 160
    image += rng.normal(0, 8, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def encode(image: np.ndarray, suffix: str = ".png") -> bytes:
    import cv2

    ok, buffer = cv2.imencode(suffix, image)
    assert ok
    return buffer.tobytes()
