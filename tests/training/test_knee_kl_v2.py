"""KL grader v2: model contract, export round trip through the app's loader (with flip TTA), ship/refuse rule."""

import json

import numpy as np
import pytest

from osteo_core.errors import ModelLoadError
from osteo_core.imaging.kl_model import LAST_CONV_LAYER
from osteo_core.imaging.knee_grader import load_knee_grader
from osteo_core.model_files import write_manifest
from training.export_knee_kl_v2 import _metadata, beats, choose_view, runtime_gap, save_for_runtime, tta_probs
from training.train_knee_kl_v2 import build_kl_v2_model, class_weights, sord_targets

SIZE = 64


@pytest.fixture(scope="module")
def v2_model():
    import keras

    keras.utils.set_random_seed(0)
    return build_kl_v2_model(size=SIZE, freeze_blocks=3)


def images(count: int = 6, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = rng.integers(0, 255, (count, SIZE, SIZE), dtype=np.uint8)
    out[:, :, : SIZE // 3] //= 4  # asymmetric, so the mirror image is a different input
    return out


def test_build_kl_v2_model_keeps_the_runtime_input_and_output(v2_model):
    assert v2_model.input_shape == (None, SIZE, SIZE, 1)
    assert v2_model.get_layer(LAST_CONV_LAYER).output.shape[-1] == 1280
    probs = np.asarray(v2_model(images()[..., None].astype("float32") / 255.0))
    assert probs.shape == (6, 5)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)


def test_build_kl_v2_model_freezes_stem_and_first_blocks_only(v2_model):
    frozen = {layer.name for layer in v2_model.layers if layer.weights and not layer.trainable}
    assert {"conv_stem", "bn0", "blocks_2_project_conv"} <= frozen
    assert not any(name.startswith(("blocks_3_", "blocks_10_")) for name in frozen)


def test_a_lite1_grader_keeps_the_runtime_input_and_the_feature_grid():
    model = build_kl_v2_model(size=SIZE, freeze_blocks=3, variant="lite1")
    assert model.input_shape == (None, SIZE, SIZE, 1)
    assert model.get_layer(LAST_CONV_LAYER).output.shape[1:] == (SIZE // 32, SIZE // 32, 1280)
    assert "blocks_20_project_conv" in {layer.name for layer in model.layers}
    assert np.asarray(model(images(2)[..., None].astype("float32") / 255.0)).shape == (2, 5)
    with pytest.raises(ValueError, match="variant"):
        build_kl_v2_model(size=SIZE, variant="b0")


@pytest.mark.parametrize("tta", ["on", "off"])
def test_exported_model_gives_training_probabilities_through_the_app_loader(tmp_path, v2_model, tta):
    batch = images()
    expected = tta_probs(v2_model, batch)[tta]
    save_for_runtime(v2_model, tmp_path, _metadata("argmax", tta, 0.8) | {"input_size": SIZE})
    assert json.loads((tmp_path / "manifest.json").read_text())["tta"] == ("horizontal_flip" if tta == "on"
                                                                          else "none")
    assert runtime_gap(tmp_path, batch, expected) < 1e-5


def test_knee_grader_rejects_an_unknown_tta(tmp_path, v2_model):
    save_for_runtime(v2_model, tmp_path, {"input_size": SIZE})
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    write_manifest(tmp_path, tmp_path / "model.keras", manifest | {"tta": "vertical_flip"})
    load_knee_grader.cache_clear()
    with pytest.raises(ModelLoadError, match="vertical_flip"):
        load_knee_grader(tmp_path)


@pytest.mark.parametrize("candidate, shipped, expected", [
    ({"accuracy": 0.70, "qwk": 0.87}, {"accuracy": 0.556, "qwk": 0.788}, True),
    ({"accuracy": 0.60, "qwk": 0.78}, {"accuracy": 0.556, "qwk": 0.788}, False),
    ({"accuracy": 0.55, "qwk": 0.80}, {"accuracy": 0.556, "qwk": 0.788}, False),
    ({"accuracy": 0.50, "qwk": 0.50}, None, True),
])
def test_beats_needs_both_val_accuracy_and_qwk(candidate, shipped, expected):
    assert beats(candidate, shipped) is expected


def test_choose_view_picks_the_better_tta_on_val():
    grades = np.array([0, 1, 2, 3, 4])
    good, bad = np.eye(5)[grades], np.eye(5)[[4, 3, 2, 1, 0]]
    assert choose_view(grades, {"off": bad, "on": good})[0] == "on"
    assert choose_view(grades, {"off": good, "on": good})[0] == "off"


def test_sord_targets_and_class_weights():
    targets = sord_targets(np.array([0, 2, 4]))
    assert targets.argmax(axis=1).tolist() == [0, 2, 4]
    assert targets[1, 2] > targets[1, 3] > targets[1, 4] > 0
    assert targets[1, 1] == pytest.approx(targets[1, 3])
    grades = np.array([0] * 8 + [4] * 2)
    weights = class_weights(grades)
    assert weights[4] > weights[0]
    assert weights[grades].mean() == pytest.approx(1.0)


def _metrics(n: int, accuracy: float) -> dict:
    return {"n": n, "accuracy": accuracy, "qwk": 0.8, "mae": 0.4, "recall_per_grade": [0.5] * 5,
            "confusion_matrix": [[1, 0, 0, 0, 0]] * 5}


@pytest.mark.parametrize("previous, expected", [({"accuracy": 0.556, "qwk": 0.788, "mae": 0.48}, "0.556"),
                                                (None, "No previous model")])
def test_v2_card_is_written_from_the_evaluation(tmp_path, previous, expected):
    from training.knee_kl_v2_card import write_knee_v2_card

    view = {"accuracy": 0.7, "qwk": 0.87, "mae": 0.3}
    evaluation = {
        "model": _metadata("expected", "on", 0.8), "val": _metrics(826, 0.71), "test": _metrics(578, 0.69),
        "flip_tta": {s: {"on": view, "off": view} for s in ("val", "test")},
        "splits": {"train": 5200, "val": 826, "test": 578}, "test_split": "10% of train patients",
        "conformal": {"coverage": 0.9, "val_coverage": 0.9, "val_mean_set_size": 1.5, "test_coverage": 0.91,
                      "test_mean_set_size": 1.6},
        "latency": {"machine": "x86_64, 2 cores", "predict": {"p50_ms": 80, "p95_ms": 90},
                    "predict_with_gradcam": {"p50_ms": 300, "p95_ms": 350}, "batch_size": 32,
                    "batch_images_per_second": 30},
        "faithfulness": {"images": 40, "steps": 10, **{m: {"deletion_cam": 0.2, "deletion_random": 0.3,
                                                           "insertion_cam": 0.6, "insertion_random": 0.5}
                                                       for m in ("gradcam", "gradcam++")}},
        "training": {"epochs": 15, "best_epoch": 12, "minutes": 200, "train_img_s": 7.0, "freeze_blocks": 3},
        "weights_mb": 13.6, "previous_val": previous,
    }
    write_knee_v2_card(tmp_path / "card.md", evaluation)
    text = (tmp_path / "card.md").read_text()
    assert "EfficientNet-Lite0" in text and "horizontal_flip" in text and expected in text
    assert "| test (ours, held out) | 578 | 0.690 |" in text
