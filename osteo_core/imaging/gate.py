"""Body-part and quality gate: is this a knee radiograph, a hand radiograph, or not a usable radiograph?

A small CNN (trained by ``training/train_gate.py``) runs after the rule-based sanity checks (colour, blank, odd
shape). Every image model runs behind it; a rejection always says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from osteo_core.i18n import N_, _, format_percent
from osteo_core.imaging.keras_model import KerasImageModel, load_image_network
from osteo_core.imaging.radiograph import Radiograph, sanity_problems
from osteo_core.model_files import cached_loader

GATE_CLASSES = ("knee", "hand", "other")
GATE_MODEL_NAME = "body_part_gate"
GATE_SIZE = 128
BODY_PART_NAMES = {"knee": N_("knee"), "hand": N_("hand"), "other": N_("other")}  # translated where shown


def build_gate_model(size: int = GATE_SIZE):
    """Four conv blocks (16–96 filters) → global average → softmax over knee / hand / other."""
    import keras
    from keras import layers

    inputs = keras.Input((size, size, 1), name="image")
    x = layers.Rescaling(2.0, -1.0)(inputs)
    for filters in (16, 32, 64, 96):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization(momentum=0.9)(x)
        x = layers.Activation("relu")(x)
        x = layers.MaxPooling2D()(x)
    x = layers.Activation("linear", name="gate_features")(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.2)(x)
    outputs = layers.Dense(len(GATE_CLASSES), activation="softmax", name="gate_probabilities")(x)
    return keras.Model(inputs, outputs, name="body_part_gate")


@dataclass(frozen=True)
class GateVerdict:
    """``body_part`` is "knee", "hand" or "other"; ``usable`` is False with a plain-words ``reason`` (in the current
    language) otherwise."""

    body_part: str
    probabilities: dict[str, float]
    usable: bool
    reason: str


class BodyPartGate(KerasImageModel):
    """The loaded gate model with its acceptance threshold (minimum probability of the winning body part)."""

    cam_layer = "gate_features"
    warm_heatmap = False  # the app never shows the gate's heatmap
    default_size = GATE_SIZE

    def __init__(self, model: Any, metadata: dict[str, Any]):
        super().__init__(model, {"input_size": GATE_SIZE} | dict(metadata))
        self.threshold = float(metadata.get("accept_threshold", 0.5))

    def probabilities(self, images: list[np.ndarray]) -> np.ndarray:
        """(N, 3) probabilities of knee / hand / other for grayscale uint8 images."""
        return self.forward(np.stack([self.prepare(image) for image in images]))

    def check(self, radiograph: Radiograph, expected: tuple[str, ...] = ("knee", "hand")) -> GateVerdict:
        """Rule-based checks first, then the learned gate. ``expected`` lists the body parts the caller accepts."""
        problems = sanity_problems(radiograph)
        probs = self.probabilities([radiograph.pixels])[0]
        named = {name: round(float(p), 4) for name, p in zip(GATE_CLASSES, probs, strict=True)}
        best = GATE_CLASSES[int(np.argmax(probs))]
        if problems:
            return GateVerdict("other", named, False, _("Not a usable radiograph: {problems}.").format(
                problems="; ".join(problems)))
        if best == "other" or probs.max() < self.threshold:
            return GateVerdict("other", named, False,
                               _("This does not look like a knee or hand radiograph (gate: {share} not a usable "
                                 "radiograph). Upload a plain X-ray of one knee (AP/PA view).").format(
                                   share=format_percent(named["other"], 0)))
        if best not in expected:
            return GateVerdict(best, named, False,
                               _("This looks like a {found} radiograph ({share}); this analysis needs a {needed} "
                                 "radiograph.").format(found=_(BODY_PART_NAMES[best]),
                                                       share=format_percent(named[best], 0),
                                                       needed=_body_parts(expected)))
        return GateVerdict(best, named, True, "")


def _body_parts(parts: tuple[str, ...]) -> str:
    """``"knee"`` or ``"knee or hand"`` in the current language."""
    names = [_(BODY_PART_NAMES.get(part, part)) for part in parts]
    if len(names) == 2:
        return _("{first} or {second}").format(first=names[0], second=names[1])
    return ", ".join(names)


@cached_loader(GATE_MODEL_NAME)
def load_gate(folder: Path | None = None) -> BodyPartGate:
    """Load the gate from ``folder`` (default ``models/body_part_gate``) once. Raises :class:`ModelLoadError`."""
    return BodyPartGate(*load_image_network(Path(folder), N_("body-part gate")))  # folder resolved by @cached_loader
