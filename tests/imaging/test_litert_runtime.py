"""The LiteRT serving runtime: exports checked against Keras, loaded without TensorFlow, same answers and heatmaps,
checksums enforced, and the Keras fallback."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from osteo_core.errors import ModelLoadError
from osteo_core.imaging.bone_density import load_bone_density_model
from osteo_core.imaging.gate import load_gate
from osteo_core.imaging.keras_model import load_keras_model
from osteo_core.imaging.knee_grader import load_knee_grader
from osteo_core.imaging.litert_runtime import LiteRTNetwork
from tests.helpers.images import synthetic_knee

pytest.importorskip("ai_edge_litert", reason="the LiteRT runtime (ai-edge-litert) is not installed")

ROOT = Path(__file__).resolve().parents[2]
LOADERS = {"body_part_gate": load_gate, "knee_kl": load_knee_grader, "bone_density_knee": load_bone_density_model}


@pytest.fixture(scope="session")
def litert_models_root(tmp_path_factory, tiny_models_root):
    """The tiny models, each with a LiteRT export written by the export script's own function."""
    from training import export_litert

    root = tmp_path_factory.mktemp("litert_models")
    for name in LOADERS:
        shutil.copytree(tiny_models_root / name, root / name)
    radiographs = [synthetic_knee(seed=seed) for seed in range(3)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OSTEO_MODELS_DIR", str(root))
        for name in LOADERS:
            export_litert.export_one(name, radiographs, noise=2)
    return root


def _both(folder: Path, name: str, monkeypatch):
    monkeypatch.setenv("OSTEO_IMAGE_RUNTIME", "litert")
    lite = LOADERS[name](folder)
    LOADERS[name].cache_clear()
    monkeypatch.setenv("OSTEO_IMAGE_RUNTIME", "keras")
    keras_model = LOADERS[name](folder)
    LOADERS[name].cache_clear()
    return lite, keras_model


@pytest.mark.parametrize("name", list(LOADERS))
def test_the_manifest_names_a_checked_export(litert_models_root, name):
    manifest = json.loads((litert_models_root / name / "manifest.json").read_text())
    runtime = manifest["runtime"]
    assert runtime["format"] == "litert" and (litert_models_root / name / runtime["file"]).is_file()
    assert runtime["checked_images"] == 5
    assert max(runtime["max_difference"].values()) <= 1e-4


@pytest.mark.parametrize("name", list(LOADERS))
def test_litert_and_keras_give_the_same_answers(litert_models_root, fresh_loaders, monkeypatch, name):
    lite, reference = _both(litert_models_root / name, name, monkeypatch)
    assert lite.runtime == "litert" and isinstance(lite.model, LiteRTNetwork)
    assert reference.runtime == "keras"
    images = [synthetic_knee(seed=seed) for seed in (11, 12)]
    batch = np.stack([lite.prepare(image) for image in images])
    got, want = lite.forward(batch), reference.forward(batch)
    assert isinstance(got, list) == isinstance(want, list)  # one output: an array; two (bone density): a list
    for one, expected in zip(got if isinstance(got, list) else [got], want if isinstance(want, list) else [want],
                             strict=True):
        np.testing.assert_allclose(one, expected, atol=1e-5)


@pytest.mark.parametrize("name", ["knee_kl", "bone_density_knee"])
@pytest.mark.parametrize("method", ["gradcam", "gradcam++"])
def test_litert_heatmaps_equal_the_keras_heatmaps(litert_models_root, fresh_loaders, monkeypatch, name, method):
    lite, reference = _both(litert_models_root / name, name, monkeypatch)
    image = synthetic_knee(seed=5)
    for target in (None, 1):
        np.testing.assert_allclose(lite.heatmap(image, target, method), reference.heatmap(image, target, method),
                                   atol=1e-4)


def test_knee_predictions_and_grade_sets_match(litert_models_root, fresh_loaders, monkeypatch):
    lite, reference = _both(litert_models_root / "knee_kl", "knee_kl", monkeypatch)
    images = [synthetic_knee(seed=seed) for seed in range(4)]
    for got, want in zip(lite.predict(images), reference.predict(images), strict=True):
        assert (got.grade, got.grade_range) == (want.grade, want.grade_range)
        np.testing.assert_allclose(got.probabilities, want.probabilities, atol=1e-5)


def test_an_altered_export_is_refused(tmp_path, litert_models_root, fresh_loaders, monkeypatch):
    monkeypatch.setenv("OSTEO_IMAGE_RUNTIME", "litert")
    folder = tmp_path / "knee_kl"
    shutil.copytree(litert_models_root / "knee_kl", folder)
    (folder / "model.tflite").write_bytes((folder / "model.tflite").read_bytes()[:-10])
    with pytest.raises(ModelLoadError, match="does not match the checksum"):
        load_knee_grader(folder)
    (folder / "model.tflite").unlink()
    with pytest.raises(ModelLoadError, match="is missing"):
        load_knee_grader(folder)


def test_an_unreadable_export_with_a_matching_checksum_names_the_file(tmp_path, litert_models_root, fresh_loaders,
                                                                      monkeypatch):
    from osteo_core.model_files import file_sha256

    monkeypatch.setenv("OSTEO_IMAGE_RUNTIME", "litert")
    folder = tmp_path / "knee_kl"
    shutil.copytree(litert_models_root / "knee_kl", folder)
    (folder / "model.tflite").write_bytes(b"not a LiteRT file")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["runtime"]["sha256"] = file_sha256(folder / "model.tflite")
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelLoadError, match="model.tflite .*cannot be loaded"):
        load_knee_grader(folder)


def test_a_model_without_an_export_is_served_by_keras(tiny_models_root, fresh_loaders, monkeypatch):
    monkeypatch.setenv("OSTEO_IMAGE_RUNTIME", "litert")
    assert load_knee_grader(tiny_models_root / "knee_kl").runtime == "keras"


def test_an_unknown_runtime_setting_is_refused(monkeypatch, litert_models_root, fresh_loaders):
    from osteo_core.config import image_runtime

    monkeypatch.setenv("OSTEO_IMAGE_RUNTIME", "onnx")
    with pytest.raises(ValueError, match="OSTEO_IMAGE_RUNTIME must be one of litert, keras"):
        image_runtime()
    # the loaders turn it into the model-load error every page and command already reports in plain words
    with pytest.raises(ModelLoadError, match="a setting is wrong: OSTEO_IMAGE_RUNTIME must be one of"):
        load_knee_grader(litert_models_root / "knee_kl")


def test_only_the_served_file_is_checked(tmp_path, litert_models_root, fresh_loaders, monkeypatch):
    """The export is served without reading the Keras file; the Keras runtime still refuses an altered one."""
    folder = tmp_path / "knee_kl"
    shutil.copytree(litert_models_root / "knee_kl", folder)
    keras_file = folder / json.loads((folder / "manifest.json").read_text())["file"]
    keras_file.write_bytes(keras_file.read_bytes() + b"altered")
    monkeypatch.setenv("OSTEO_IMAGE_RUNTIME", "litert")
    assert load_knee_grader(folder).runtime == "litert"
    monkeypatch.setenv("OSTEO_IMAGE_RUNTIME", "keras")
    load_knee_grader.cache_clear()
    with pytest.raises(ModelLoadError, match="does not match the checksum"):
        load_knee_grader(folder)


def test_an_export_that_differs_from_keras_is_refused_and_not_written(tmp_path, tiny_models_root, monkeypatch):
    from osteo_core.imaging import litert_export

    folder = tmp_path / "knee_kl"
    shutil.copytree(tiny_models_root / "knee_kl", folder)
    model, manifest = load_keras_model(folder, "knee model")
    monkeypatch.setattr(litert_export, "compare_with_keras", lambda *args, **kwargs: {"outputs": 0.3})
    images = np.zeros((1, manifest["input_size"], manifest["input_size"], 1), dtype=np.float32)
    with pytest.raises(ValueError, match="differs from the Keras model"):
        litert_export.export_model_folder(folder, model, images, "kl_features")
    assert not (folder / "model.tflite").exists()
    assert "runtime" not in json.loads((folder / "manifest.json").read_text())


def test_shipped_models_serve_a_knee_without_importing_tensorflow():
    """The point of the runtime: a fresh process grades a knee and draws its Grad-CAM from the shipped models
    without importing TensorFlow or Keras (their import alone takes seconds)."""
    code = (
        "import sys\n"
        "from osteo_core.imaging.gate import load_gate\n"
        "from osteo_core.imaging.knee_grader import load_knee_grader\n"
        "from osteo_core.imaging.bone_density import load_bone_density_model\n"
        "from osteo_core.imaging.radiograph import Radiograph\n"
        "from tests.helpers.images import synthetic_knee\n"
        "image = synthetic_knee()\n"
        "load_gate().check(Radiograph(pixels=image))\n"
        "grader = load_knee_grader()\n"
        "prediction = grader.predict([image])[0]\n"
        "heat = grader.heatmap(image, prediction.grade)\n"
        "density = load_bone_density_model()\n"
        "density.heatmap(image, density.predict([image])[0].category)\n"
        "assert grader.runtime == 'litert' and heat.shape == (224, 224), (grader.runtime, heat.shape)\n"
        "print(sorted(name for name in ('tensorflow', 'keras') if name in sys.modules))\n"
    )
    env = {key: value for key, value in __import__("os").environ.items() if key != "OSTEO_IMAGE_RUNTIME"}
    env["OSTEO_MODELS_DIR"] = str(ROOT / "models")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "[]"
