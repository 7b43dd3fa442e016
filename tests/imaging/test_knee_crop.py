"""Knee crop (framing normalisation for the bone-density model) on synthetic radiographs."""

import numpy as np
import pytest

from osteo_core.imaging.knee_crop import (
    TEMPLATE_SIZE,
    KneeCropper,
    build_knee_template,
    crop_to_knee,
)


def _joint(size: int, seed: int = 0) -> np.ndarray:
    """A joint-centred synthetic knee (size × size uint8): a bright femur with two rounded condyles above a dark,
    curved joint line, a bright tibial plateau below, dark soft tissue at the sides, noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size] / size
    line = 0.5 + 0.04 * np.cos(2 * np.pi * (x - 0.5))  # joint line: higher at the notch
    bone = np.abs(x - 0.5) < 0.38
    image = np.full((size, size), 35.0)
    image[bone & (y < line - 0.03)] = 185
    image[bone & (y > line + 0.03)] = 170
    notch = (np.abs(x - 0.5) < 0.06) & (y > line - 0.12) & (y < line)
    image[notch] = 110
    image += rng.normal(0, 6, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def template() -> np.ndarray:
    return build_knee_template(np.stack([_joint(96, seed) for seed in range(8)]))


def _both_knees(knee: int = 120, gap: int = 60, pad: int = 40) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Two joints side by side on a long dark film, plus a bright shaft above each (a full-leg-like framing)."""
    height, width = knee + 2 * pad + 80, 2 * knee + gap + 2 * pad
    canvas = np.full((height, width), 20, np.uint8)
    centres = []
    for i in range(2):
        top, left = pad + 80, pad + i * (knee + gap)
        canvas[top:top + knee, left:left + knee] = _joint(knee, seed=10 + i)
        canvas[pad:top, left + knee // 4:left + 3 * knee // 4] = 180  # femoral shaft
        centres.append((top + knee // 2, left + knee // 2))
    return canvas, centres


def test_template_is_mirror_symmetric_and_small(template):
    assert template.shape == (TEMPLATE_SIZE, TEMPLATE_SIZE) and template.dtype == np.float32
    np.testing.assert_allclose(template, template[:, ::-1], atol=1e-4)


def test_crop_finds_one_joint_in_a_bilateral_film(template):
    image, centres = _both_knees()
    crop = crop_to_knee(image, template)
    centre = (crop.top + crop.side / 2, crop.left + crop.side / 2)
    nearest = min(np.hypot(centre[0] - c[0], centre[1] - c[1]) for c in centres)
    assert nearest < 20, (crop, centres)
    assert 120 <= crop.side <= 200  # the joint (120 px) with its margin, not the whole film
    assert crop.pixels.shape == (crop.side, crop.side) and crop.pixels.dtype == np.uint8
    np.testing.assert_array_equal(crop.pixels, image[crop.top:crop.top + crop.side, crop.left:crop.left + crop.side])


def test_crop_keeps_an_already_tight_knee_whole(template):
    image = _joint(224, seed=3)
    crop = crop_to_knee(image, template)
    assert crop.side >= 0.9 * 224 and crop.score > 0.5


def test_crop_ignores_the_scale_of_the_film(template):
    image, _ = _both_knees()
    import cv2

    big = cv2.resize(image, (image.shape[1] * 2, image.shape[0] * 2), interpolation=cv2.INTER_LINEAR)
    small, large = crop_to_knee(image, template), crop_to_knee(big, template)
    assert large.side == pytest.approx(2 * small.side, rel=0.2)


def test_flat_image_falls_back_to_the_centred_square(template):
    crop = crop_to_knee(np.full((100, 160), 90, np.uint8), template)
    assert crop.score == -1.0 and (crop.top, crop.left, crop.side) == (0, 30, 100)


@pytest.mark.parametrize("bad", [np.zeros((10, 10, 3), np.uint8), np.zeros((0, 5), np.uint8)])
def test_crop_rejects_non_grayscale_or_empty_input(template, bad):
    with pytest.raises(ValueError, match="2-D grayscale"):
        crop_to_knee(bad, template)


def test_crop_rejects_bad_settings(template):
    with pytest.raises(ValueError, match="scales"):
        crop_to_knee(_joint(64), template, scales=(0.0, 0.5))
    with pytest.raises(ValueError, match="margin"):
        crop_to_knee(_joint(64), template, margin=0.5)
    with pytest.raises(ValueError, match="non-empty"):
        build_knee_template(np.zeros((0, 8, 8), np.uint8))


def test_cropper_from_manifest(tmp_path, template):
    assert KneeCropper.from_manifest(tmp_path, {"name": "x"}) is None
    np.save(tmp_path / "knee_template.npy", template)
    cropper = KneeCropper.from_manifest(tmp_path, {"crop": {"template": "knee_template.npy", "margin": 1.2}})
    image, _ = _both_knees()
    assert cropper.margin == 1.2
    np.testing.assert_array_equal(cropper(image), crop_to_knee(image, template, margin=1.2).pixels)
