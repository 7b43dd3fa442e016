import numpy as np
import pytest

from osteo_core.explain.faithfulness import deletion_insertion
from osteo_core.explain.gradcam import make_cam
from osteo_core.explain.overlay import overlay_heatmap
from osteo_core.imaging.kl_model import LAST_CONV_LAYER
from tests.helpers.images import SIZE


def _image_with_blob(row: int, col: int) -> np.ndarray:
    image = np.full((SIZE, SIZE, 1), 0.05, dtype=np.float32)
    image[row:row + 10, col:col + 10] = 1.0
    return image


@pytest.mark.parametrize("method", ["gradcam", "gradcam++"])
def test_cam_shape_range_and_peak_on_planted_feature(tiny_kl_model, method):
    cam = make_cam(tiny_kl_model, LAST_CONV_LAYER, method)
    images = np.stack([_image_with_blob(5, 5), _image_with_blob(45, 40)])
    maps, probabilities = cam(images, target=4)
    assert maps.shape == (2, SIZE, SIZE)
    assert maps.min() >= 0.0 and maps.max() == pytest.approx(1.0)
    assert probabilities.shape == (2, 5)
    for heat, (row, col) in zip(maps, [(5, 5), (45, 40)], strict=True):
        peak_row, peak_col = np.unravel_index(heat.argmax(), heat.shape)
        assert row - 2 <= peak_row <= row + 11 and col - 2 <= peak_col <= col + 11
        assert heat[row:row + 10, col:col + 10].mean() > 4 * heat.mean() / 2


def test_make_cam_rejects_unknown_method(tiny_kl_model):
    with pytest.raises(ValueError, match="gradcam"):
        make_cam(tiny_kl_model, LAST_CONV_LAYER, "saliency")


def test_overlay_blends_and_checks_opacity():
    gray = np.full((40, 30), 100, dtype=np.uint8)
    heat = np.zeros((10, 10), dtype=np.float32)
    assert overlay_heatmap(gray, heat, 0.0).shape == (40, 30, 3)
    assert (overlay_heatmap(gray, heat, 0.0) == 100).all()
    assert not (overlay_heatmap(gray, heat + 1.0, 0.8) == 100).all()
    with pytest.raises(ValueError, match="opacity"):
        overlay_heatmap(gray, heat, 1.5)


def test_deletion_of_cam_pixels_drops_confidence_faster_than_random(tiny_kl_model):
    cam = make_cam(tiny_kl_model, LAST_CONV_LAYER, "gradcam")
    image = _image_with_blob(20, 20)
    maps, _ = cam(image[None], target=4)
    scores = deletion_insertion(lambda batch: tiny_kl_model.predict(batch, verbose=0), image, maps[0], target=4)
    assert scores["deletion_cam"] < scores["deletion_random"]
    assert scores["insertion_cam"] > scores["insertion_random"]


@pytest.mark.parametrize("method", ["gradcam", "gradcam++"])
def test_cam_through_the_head_equals_the_gradient_through_the_whole_model(tiny_kl_model, method):
    """The CAM differentiates only the head after the feature layer; the map must equal one computed by
    differentiating the whole model end to end."""
    import keras
    import tensorflow as tf

    cam = make_cam(tiny_kl_model, LAST_CONV_LAYER, method)
    images = np.stack([_image_with_blob(5, 5), _image_with_blob(30, 12)])
    maps, _ = cam(images, target=2)
    whole = keras.Model(tiny_kl_model.inputs, [tiny_kl_model.get_layer(LAST_CONV_LAYER).output, tiny_kl_model.output])
    with tf.GradientTape() as tape:
        activations, probabilities = whole(tf.constant(images), training=False)
        score = tf.math.log(probabilities[:, 2] + 1e-12)
    grads = tape.gradient(score, activations)
    weights = cam.channel_weights(np.asarray(activations), np.asarray(grads))
    expected = tf.nn.relu(tf.reduce_sum(activations * weights[:, None, None, :], -1))
    expected = tf.image.resize(expected[..., None], images.shape[1:3], method="bilinear")[..., 0].numpy()
    expected = (expected - expected.min(axis=(1, 2), keepdims=True)) / np.ptp(expected, axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(maps, expected, atol=1e-5)
