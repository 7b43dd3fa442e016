"""Tiny hand-built Keras models (no training) standing in for the shipped image models in tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from osteo_core.imaging.gate import GATE_CLASSES
from osteo_core.imaging.kl_model import LAST_CONV_LAYER
from osteo_core.model_files import write_manifest

KL_SIZE = 64
GATE_SIZE = 32


def _identity_conv(layers, name: str):
    conv = layers.Conv2D(4, 3, padding="same", activation="relu", name=name)
    return conv


def _set_identity(conv) -> None:
    kernel = np.zeros((3, 3, 1, 4), dtype="float32")
    kernel[1, 1, 0, 0] = 1.0
    conv.set_weights([kernel, np.zeros(4, dtype="float32")])


def build_tiny_kl_model():
    """Conv (identity on channel 0) → ``kl_features`` → global average → softmax over KL 0–4.

    Class 4's score grows with mean brightness, so Grad-CAM for class 4 must peak on bright pixels.
    """
    import keras
    from keras import layers

    inputs = keras.Input((KL_SIZE, KL_SIZE, 1))
    conv = _identity_conv(layers, "conv")
    features = layers.Activation("linear", name=LAST_CONV_LAYER)(conv(inputs))
    pooled = layers.GlobalAveragePooling2D(name="pool")(features)
    dense = layers.Dense(5, activation="softmax", name="probabilities")
    model = keras.Model(inputs, dense(pooled))
    _set_identity(conv)
    weights = np.zeros((4, 5), dtype="float32")
    weights[0] = [-8.0, -4.0, 0.0, 4.0, 8.0]
    dense.set_weights([weights, np.array([2.0, 1.0, 0.0, -1.0, -2.0], dtype="float32")])
    return model


def build_tiny_density_model():
    """Same backbone; outputs class logits (normal/osteopenia/osteoporosis) and a T-score."""
    import keras
    from keras import layers

    inputs = keras.Input((KL_SIZE, KL_SIZE, 1))
    conv = _identity_conv(layers, "conv")
    features = layers.Activation("linear", name=LAST_CONV_LAYER)(conv(inputs))
    pooled = layers.GlobalAveragePooling2D(name="pool")(features)
    logits_layer = layers.Dense(3, name="density_logits")
    t_layer = layers.Dense(1, name="t_score")
    model = keras.Model(inputs, [logits_layer(pooled), t_layer(pooled)])
    _set_identity(conv)
    weights = np.zeros((4, 3), dtype="float32")
    weights[0] = [-3.0, 0.0, 3.0]
    logits_layer.set_weights([weights, np.array([1.0, 0.5, -1.0], dtype="float32")])
    t_weights = np.zeros((4, 1), dtype="float32")
    t_weights[0, 0] = -2.0
    t_layer.set_weights([t_weights, np.array([-0.5], dtype="float32")])
    return model


def build_tiny_gate_model(favour: str = "knee"):
    """Always answers ``favour`` (knee, hand or other) with probability ≈ 0.99."""
    import keras
    from keras import layers

    inputs = keras.Input((GATE_SIZE, GATE_SIZE, 1))
    x = layers.Conv2D(2, 3, padding="same", name="gate_features")(inputs)
    x = layers.GlobalAveragePooling2D()(x)
    dense = layers.Dense(3, activation="softmax", name="gate_probabilities")
    model = keras.Model(inputs, dense(x))
    bias = np.zeros(3, dtype="float32")
    bias[GATE_CLASSES.index(favour)] = 6.0
    dense.set_weights([np.zeros((2, 3), dtype="float32"), bias])
    return model


def write_tiny_models(root: Path, gate_favours: str = "knee", litert: bool = False) -> Path:
    """A models folder like models/ with tiny ``knee_kl``, ``body_part_gate`` and ``bone_density_knee``; with
    ``litert`` each also gets its checked LiteRT export, as the shipped models have (the app then serves those)."""
    specs = {
        "knee_kl": (build_tiny_kl_model(), {"input_size": KL_SIZE, "decoding": "argmax", "version": "tiny-test",
                                            "conformal": {"threshold": 0.8, "coverage": 0.9}}),
        "body_part_gate": (build_tiny_gate_model(gate_favours), {"input_size": GATE_SIZE, "version": "tiny-gate",
                                                                  "accept_threshold": 0.5}),
        "bone_density_knee": (build_tiny_density_model(), {
            "input_size": KL_SIZE, "version": "tiny-density",
            "training_prevalence": {"normal": 0.15, "osteopenia": 0.65, "osteoporosis": 0.2, "low_bone_mass": 0.85},
            "t_interval": {"half_width": 0.6, "coverage": 0.9}}),
    }
    for name, (model, metadata) in specs.items():
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        weights = folder / "model.keras"
        model.save(weights)
        write_manifest(folder, weights, metadata)
        (folder / "model_card.md").write_text(f"# Tiny {name} test model\n\nHand-built for tests.\n")
        (folder / "evaluation.json").write_text("{}\n")
        if litert:
            _export_litert(folder, model, metadata["input_size"], name)
    return root


def _export_litert(folder: Path, model, size: int, name: str) -> None:
    from osteo_core.imaging.litert_export import export_model_folder
    from training.export_litert import MODELS

    cls = MODELS[name]
    images = np.random.default_rng(0).random((3, size, size, 1), dtype=np.float32)
    export_model_folder(folder, model, images, cls.cam_layer, cls.cam_output, cls.cam_on_logits)
