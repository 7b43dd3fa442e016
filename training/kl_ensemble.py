"""Package several KL graders as one Keras model with one Grad-CAM layer, built from standard layers only.

Each member is a (224, 224, 1) → ``kl_features`` (7×7×C) → global average pool → dense softmax model (the v1
MobileNetV3-Small and the v2 EfficientNet-Lite0 graders both are). The ensemble runs every member's feature
extractor, concatenates the feature maps into one layer named ``kl_features`` (so the app's Grad-CAM explains the
ensemble as a whole: its channel weights are the gradients of the ensemble output through every member), pools
them, and gives each member its own dense softmax whose kernel is the member's kernel on that member's channels and
zero elsewhere; the output ``kl_probabilities`` is the plain mean of the member probabilities. Mathematically it is
the mean of the members' probabilities (checked on real images by :func:`check_ensemble`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from osteo_core.imaging.kl_model import LAST_CONV_LAYER


def _feature_extractor(member: Any, index: int) -> Any:
    import keras

    return keras.Model(member.inputs, member.get_layer(LAST_CONV_LAYER).output, name=f"member_{index}_features")


def build_ensemble(members: list[Any], name: str = "knee_kl_ensemble") -> Any:
    """One Keras model whose output is the mean of the members' KL probabilities (see the module docstring).
    Raises ValueError when a member lacks the expected head or the feature maps differ in size."""
    import keras
    from keras import layers

    if len(members) < 2:
        raise ValueError("an ensemble needs at least two members")
    heads, extractors = [], []
    for index, member in enumerate(members, start=1):
        dense = member.get_layer("kl_probabilities")
        if not isinstance(dense, layers.Dense):
            raise ValueError(f"member {index}: 'kl_probabilities' is not a Dense layer")
        heads.append(dense.get_weights())
        extractors.append(_feature_extractor(member, index))
    grids = {tuple(e.output.shape[1:3]) for e in extractors}
    if len(grids) != 1:
        raise ValueError(f"members' feature maps differ in size: {sorted(grids)}")
    inputs = keras.Input(members[0].inputs[0].shape[1:], name="radiograph")
    maps = [extractor(inputs) for extractor in extractors]
    features = layers.Concatenate(axis=-1, name=LAST_CONV_LAYER)(maps)
    pooled = layers.GlobalAveragePooling2D(name="pool")(features)
    widths = [int(m.shape[-1]) for m in maps]
    total, start, outputs = sum(widths), 0, []
    for index, ((kernel, bias), width) in enumerate(zip(heads, widths, strict=True), start=1):
        dense = layers.Dense(kernel.shape[1], activation="softmax", name=f"member_{index}_probabilities")
        outputs.append(dense(pooled))
        padded = np.zeros((total, kernel.shape[1]), dtype=kernel.dtype)
        padded[start:start + width] = kernel
        dense.set_weights([padded, bias])
        start += width
    probabilities = layers.Average(name="kl_probabilities")(outputs)
    return keras.Model(inputs, probabilities, name=name)


def check_ensemble(ensemble: Any, members: list[Any], images: np.ndarray) -> float:
    """Largest absolute difference between the ensemble's probabilities and the mean of the members' on uint8
    images (N, H, W)."""
    x = images[..., None].astype("float32") / 255.0
    mean = np.mean([m.predict(x, verbose=0, batch_size=32) for m in members], axis=0)
    return float(np.abs(ensemble.predict(x, verbose=0, batch_size=32) - mean).max())
