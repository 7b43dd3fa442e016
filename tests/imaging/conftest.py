"""Fixtures: tiny hand-built models (see tests/tiny_models.py). Synthetic radiographs: tests/helpers/images.py."""

from __future__ import annotations

import json

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


@pytest.fixture
def fresh_loaders():
    """The three image-model loaders with empty caches before and after the test (a test may load another folder or
    switch ``OSTEO_IMAGE_RUNTIME``)."""
    from osteo_core.imaging.bone_density import load_bone_density_model
    from osteo_core.imaging.gate import load_gate
    from osteo_core.imaging.knee_grader import load_knee_grader

    loaders = (load_gate, load_knee_grader, load_bone_density_model)
    for loader in loaders:
        loader.cache_clear()
    yield
    for loader in loaders:
        loader.cache_clear()
