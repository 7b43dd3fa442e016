
import numpy as np
import pytest

from osteo_core.errors import ImageReadError
from osteo_core.imaging.preprocess import letterbox, prepare_for_model
from osteo_core.imaging.radiograph import check_readable, load_radiograph, sanity_problems
from osteo_core.imaging.read import read_radiograph
from tests.helpers.images import dicom_bytes, encode, synthetic_knee


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".bmp", ".tiff"])
def test_read_radiograph_reads_common_formats(suffix):
    image = read_radiograph(encode(synthetic_knee(), suffix), name=f"x{suffix}")
    assert image.dtype == np.uint8 and image.shape == (256, 256)


def test_read_radiograph_scales_16_bit_and_drops_alpha():
    import cv2

    sixteen = (synthetic_knee().astype(np.uint16) * 200)
    assert read_radiograph(encode(sixteen)).max() == 255
    rgba = cv2.cvtColor(synthetic_knee(), cv2.COLOR_GRAY2BGRA)
    assert read_radiograph(encode(rgba)).ndim == 2


def test_read_radiograph_reads_dicom_and_inverts_monochrome1():
    pixels = synthetic_knee().astype(np.uint16) * 16
    normal = read_radiograph(dicom_bytes(pixels), name="a.dcm")
    inverted = read_radiograph(dicom_bytes(pixels, "MONOCHROME1"), name="b.dcm")
    assert normal.shape == (256, 256)
    assert np.abs(normal.astype(int) + inverted.astype(int) - 255).max() <= 1


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"", "empty"),
        (b"not an image at all", "not a readable"),
        (encode(synthetic_knee())[:200], "not a readable"),
    ],
)
def test_read_radiograph_explains_bad_files(data, match):
    with pytest.raises(ImageReadError, match=match):
        read_radiograph(data, name="x.png")


def test_read_radiograph_refuses_dicom_without_pixels_or_with_frames():
    with pytest.raises(ImageReadError, match="no pixel data"):
        read_radiograph(dicom_bytes(np.zeros((64, 64)), with_pixels=False), name="x.dcm")
    frames = np.zeros((2, 64, 64), dtype=np.uint16)
    with pytest.raises(ImageReadError, match="Multi-frame"):
        read_radiograph(dicom_bytes(frames, frames=2), name="x.dcm")


def test_sanity_checks_reject_colour_blank_and_strips():
    rng = np.random.default_rng(0)
    colour = rng.integers(0, 255, (128, 128, 3), dtype=np.uint8)
    colour[:, :, 0] = 250  # strongly blue in BGR
    assert "colour" in check_readable(encode(colour))[1]
    assert "uniform" in check_readable(encode(np.full((128, 128), 120, np.uint8)))[1]
    assert "aspect ratio" in check_readable(encode(synthetic_knee()[:60]))[1]
    assert check_readable(encode(synthetic_knee()))[1] == ""
    assert sanity_problems(load_radiograph(encode(synthetic_knee()))) == []


def test_check_readable_returns_reason_for_missing_file(tmp_path):
    radiograph, reason = check_readable(tmp_path / "nope.png")
    assert radiograph is None and "No such file" in reason


def test_letterbox_keeps_aspect_ratio_and_centres():
    image = np.full((100, 200), 255, dtype=np.uint8)
    square = letterbox(image, 64)
    assert square.shape == (64, 64)
    assert square[0].max() == 0 and square[32].min() == 255  # padded top, image in the middle
    prepared = prepare_for_model(image, 64)
    assert prepared.shape == (64, 64, 1) and prepared.dtype == np.float32 and prepared.max() == 1.0
