"""Tiny hand-built models (see tests/tiny_models.py) and synthetic radiographs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from osteo_core.model_files import write_manifest
from tests.tiny_models import KL_SIZE as SIZE
from tests.tiny_models import build_tiny_kl_model, write_tiny_models


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


@pytest.fixture(scope="session")
def tiny_models_root(tmp_path_factory):
    """A models folder with tiny knee_kl, body_part_gate (always "knee") and bone_density_knee models."""
    return write_tiny_models(tmp_path_factory.mktemp("tiny_models"))


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
