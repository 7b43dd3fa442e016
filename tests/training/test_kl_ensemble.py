"""KL ensemble: one Keras file whose output is the mean of its members' probabilities, with one Grad-CAM layer over
every member's features, loaded by the app's knee grader; the ensemble search chooses on val only."""

import numpy as np
import pytest

from osteo_core.imaging.kl_model import LAST_CONV_LAYER
from osteo_core.imaging.knee_grader import load_knee_grader
from training.evaluate_kl_ensemble import search, weight_grid
from training.export_knee_kl_v2 import ENSEMBLE, _metadata, save_for_runtime
from training.kl_ensemble import build_ensemble, check_ensemble

SIZE = 32


def member(seed: int, channels: int, grid: int = 8):
    """A random KL-shaped model: conv to a grid×grid map → ``kl_features`` → pool → dropout → dense softmax."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    inputs = keras.Input((SIZE, SIZE, 1), name="radiograph")
    x = layers.Conv2D(channels, 3, strides=SIZE // grid, padding="same", activation="relu", name="conv")(inputs)
    features = layers.Activation("linear", name=LAST_CONV_LAYER)(x)
    pooled = layers.Dropout(0.3, name="dropout")(layers.GlobalAveragePooling2D(name="pool")(features))
    outputs = layers.Dense(5, activation="softmax", name="kl_probabilities")(pooled)
    model = keras.Model(inputs, outputs, name=f"member_seed_{seed}")
    dense = model.get_layer("kl_probabilities")
    kernel, bias = dense.get_weights()
    dense.set_weights([kernel * 8, bias])  # confident members, so a wrong mix would show
    return model


def images(count: int = 6, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 255, (count, SIZE, SIZE), dtype=np.uint8)


@pytest.fixture(scope="module")
def members():
    return [member(1, 6), member(2, 10), member(3, 4)]


def test_ensemble_output_is_the_mean_of_its_members(members):
    ensemble = build_ensemble(members)
    assert check_ensemble(ensemble, members, images()) < 1e-6
    assert ensemble.get_layer(LAST_CONV_LAYER).output.shape[-1] == 6 + 10 + 4
    x = images()[..., None].astype("float32") / 255.0
    first = members[0].predict(x, verbose=0)
    assert np.abs(np.asarray(ensemble(x)) - first).max() > 1e-3  # not just one member


def test_ensemble_round_trips_through_the_app_loader_with_gradcam(tmp_path, members):
    ensemble = build_ensemble(members[:2])
    save_for_runtime(ensemble, tmp_path, _metadata("argmax", "on", 0.8, ENSEMBLE) | {"input_size": SIZE})
    load_knee_grader.cache_clear()
    grader = load_knee_grader(tmp_path)
    assert "ensemble" in grader.version
    batch = images()
    x = batch[..., None].astype("float32") / 255.0
    mean = np.mean([(m.predict(x, verbose=0) + m.predict(x[:, :, ::-1], verbose=0)) / 2 for m in members[:2]],
                   axis=0)
    got = np.stack([p.probabilities for p in grader.predict(list(batch))])
    np.testing.assert_allclose(got, mean, atol=1e-5)
    heat = grader.heatmap(batch[0], 2)
    assert heat.shape == (SIZE, SIZE) and heat.max() == pytest.approx(1.0) and heat.min() >= 0.0


def test_build_ensemble_refuses_mismatched_feature_grids(members):
    with pytest.raises(ValueError, match="differ in size"):
        build_ensemble([members[0], member(4, 6, grid=4)])
    with pytest.raises(ValueError, match="at least two"):
        build_ensemble(members[:1])


def test_weight_grid_is_equal_weights_over_every_subset():
    grid = weight_grid(3)
    assert len(grid) == 7
    assert (0.5, 0.0, 0.5) in grid and (1.0, 0.0, 0.0) in grid
    assert all(abs(sum(w) - 1) < 1e-5 and len({x for x in w if x}) == 1 for w in grid)


def test_search_selects_on_val_only():
    grades = {"val": np.array([0, 1, 2, 3, 4] * 4), "test": np.array([0, 1, 2, 3, 4] * 4)}
    eye = np.eye(5)
    good_val = {"val": {t: eye[grades["val"]] for t in ("off", "on")},
                "test": {t: eye[(grades["test"] + 2) % 5] for t in ("off", "on")}}
    good_test = {"val": {t: eye[(grades["val"] + 2) % 5] for t in ("off", "on")},
                 "test": {t: eye[grades["test"]] for t in ("off", "on")}}
    best = search([good_val, good_test], grades)[0]
    assert best["weights"] == (1.0, 0.0)  # the member right on val wins, however well the other does on test
    assert best["val"]["accuracy"] == 1.0 and best["test"]["accuracy"] < 0.5
