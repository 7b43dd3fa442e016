"""One Keras image-model base for the gate, the knee grader and the bone-density model; one cached loader per
model name in app_support, and the background warm-up."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from osteo_core.errors import ModelLoadError
from osteo_core.imaging.bone_density import load_bone_density_model
from osteo_core.imaging.gate import load_gate
from osteo_core.imaging.keras_model import KerasImageModel, load_keras_model
from osteo_core.imaging.knee_grader import load_knee_grader
from osteo_core.model_files import write_manifest
from tests.helpers.images import synthetic_knee

LOADERS = {"body_part_gate": load_gate, "knee_kl": load_knee_grader, "bone_density_knee": load_bone_density_model}


@pytest.mark.parametrize("name", ["body_part_gate", "knee_kl"])  # bone density: load block only, so far
def test_image_models_share_the_keras_base(tiny_models_root, fresh_loaders, name):
    model = LOADERS[name](tiny_models_root / name)
    assert isinstance(model, KerasImageModel)
    assert model.version.startswith("tiny")
    prepared = model.prepare(synthetic_knee())
    assert prepared.shape == (model.size, model.size, 1) and 0.0 <= prepared.min() <= prepared.max() <= 1.0


def test_gate_has_a_heatmap_from_the_base(tiny_models_root, fresh_loaders):
    gate = load_gate(tiny_models_root / "body_part_gate")
    heat = gate.heatmap(synthetic_knee(), target=0)
    assert heat.shape == (gate.size, gate.size)
    assert 0.0 <= heat.min() <= heat.max() <= 1.0


def test_gate_probabilities_run_through_the_compiled_forward(tiny_models_root, fresh_loaders):
    gate = load_gate(tiny_models_root / "body_part_gate")
    probs = gate.probabilities([synthetic_knee(seed=1), synthetic_knee(seed=2)])
    assert probs.shape == (2, 3)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    assert gate._forward is not None


@pytest.mark.parametrize("name, description", [("body_part_gate", "body-part gate"), ("knee_kl", "knee model"),
                                               ("bone_density_knee", "bone-density model")])
def test_a_broken_weights_file_names_the_model(tmp_path, tiny_models_root, fresh_loaders, name, description):
    folder = tmp_path / name
    shutil.copytree(tiny_models_root / name, folder)
    (folder / "model.keras").write_bytes(b"not a keras file")
    manifest = {"input_size": 64, "version": "broken"}
    write_manifest(folder, folder / "model.keras", manifest)  # checksum matches, content is broken
    with pytest.raises(ModelLoadError, match=description):
        LOADERS[name](folder)
    with pytest.raises(ModelLoadError, match="cannot be loaded"):
        load_keras_model(folder, description)


def test_app_loader_refuses_an_unknown_model_name():
    from app_support.image_models import get_image_model

    with pytest.raises(ValueError, match="unknown image model 'spine'"):
        get_image_model("spine")


def test_warm_up_loads_and_traces_every_image_model(tiny_models_root, fresh_loaders, monkeypatch):
    from app_support import image_models

    monkeypatch.setenv("OSTEO_MODELS_DIR", str(tiny_models_root))
    monkeypatch.setenv("OSTEO_WARM_UP_MODELS", "1")
    monkeypatch.setattr(image_models, "WARM_UP_DELAY_S", 0.0)
    image_models._warm_up_started.clear()
    thread = image_models.warm_up_image_models()
    assert thread is not None
    assert image_models.warm_up_image_models() is None  # once per process
    thread.join(timeout=120)
    for name in ("body_part_gate", "knee_kl", "bone_density_knee"):
        assert LOADERS[name](tiny_models_root / name)._forward is not None, name  # same cached object, traced
    for name in ("knee_kl", "bone_density_knee"):  # the default heatmap is traced too; the gate's is never shown
        assert "gradcam" in LOADERS[name](tiny_models_root / name)._cams, name
    assert not LOADERS["body_part_gate"](tiny_models_root / "body_part_gate")._cams


def test_heatmap_shares_the_compiled_forward_pass(tiny_models_root, fresh_loaders):
    grader = LOADERS["knee_kl"](tiny_models_root / "knee_kl")
    grader.predict([synthetic_knee()])
    forward = grader._forward
    heat = grader.heatmap(synthetic_knee(), 2, "gradcam++")
    assert grader._forward is forward and grader._has_features
    assert heat.shape == (grader.size, grader.size) and 0.0 <= heat.min() <= heat.max() <= 1.0


def test_warm_up_can_be_switched_off(monkeypatch):
    from app_support import image_models

    monkeypatch.setenv("OSTEO_WARM_UP_MODELS", "0")
    image_models._warm_up_started.clear()
    assert image_models.warm_up_image_models() is None


def test_idle_warm_up_starts_without_a_browser(monkeypatch):
    from app_support import image_models

    started = []
    monkeypatch.setattr(image_models, "warm_up_image_models", lambda delay_s=None: started.append(delay_s))
    image_models._script_started.clear()
    image_models.warm_up_when_idle(idle_s=0.05).join(timeout=10)
    assert started == [0.0]


def test_idle_warm_up_leaves_the_start_to_a_page_being_drawn(monkeypatch):
    from app_support import image_models

    started = []
    monkeypatch.setattr(image_models, "warm_up_image_models", lambda delay_s=None: started.append(delay_s))
    image_models._script_started.clear()
    waiting = image_models.warm_up_when_idle(idle_s=5.0)
    image_models.note_script_run()  # a browser's first page: streamlit_app.py starts the warm-up after drawing it
    waiting.join(timeout=10)
    assert started == []


def test_one_failing_model_does_not_leave_the_others_cold(tiny_models_root, fresh_loaders, monkeypatch):
    from app_support import image_models

    real = image_models._load_plain

    def load(name, folder):
        if name == "body_part_gate":
            raise RuntimeError("unexpected")
        return real(name, folder)

    monkeypatch.setattr(image_models, "_load_plain", load)
    image_models._warm_up_all(tiny_models_root)
    assert "gradcam" in LOADERS["knee_kl"](tiny_models_root / "knee_kl")._cams
