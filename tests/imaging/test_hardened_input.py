"""Hardened image input: orientation, modes, bombs and DICOM facts."""

import io

import numpy as np
import pytest
from PIL import Image

from osteo_core.errors import ImageReadError
from osteo_core.imaging.radiograph import load_radiograph
from osteo_core.imaging.read import decode_image, read_radiograph
from tests.helpers.images import dicom_bytes, png_header_only, synthetic_knee


def _save(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def test_exif_orientation_is_followed():
    image = Image.fromarray(np.zeros((50, 100), dtype=np.uint8) + 128)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise when displayed
    assert read_radiograph(_save(image, "JPEG", exif=exif)).shape == (100, 50)


@pytest.mark.parametrize(
    ("mode", "fmt"),
    [("CMYK", "JPEG"), ("RGBA", "PNG"), ("LA", "PNG"), ("P", "PNG"), ("I;16", "TIFF"), ("I;16", "PNG"), ("L", "BMP")],
)
def test_modes_and_formats_become_grayscale_uint8(mode, fmt):
    base = Image.fromarray(synthetic_knee(128))
    image = base.convert(mode) if mode != "I;16" else Image.fromarray(synthetic_knee(128).astype(np.uint16) * 250)
    pixels = read_radiograph(_save(image, fmt))
    assert pixels.dtype == np.uint8 and pixels.shape == (128, 128)
    assert pixels.std() > 10


@pytest.mark.parametrize(("width", "height", "match"), [(10_000, 10_000, "megapixels"),
                                                        (100_000, 100_000, "decompression bomb|megapixels")])
def test_huge_and_bomb_images_are_refused_before_decoding(width, height, match):
    with pytest.raises(ImageReadError, match=match):
        read_radiograph(png_header_only(width, height))


def test_dicom_rescale_and_facts_but_nothing_identifying():
    pixels = synthetic_knee().astype(np.uint16) * 16
    decoded = decode_image(dicom_bytes(pixels), name="x.dcm")
    assert decoded.source_format == "dicom"
    assert decoded.facts == {"age_years": 67, "sex": "female"}
    radiograph = load_radiograph(dicom_bytes(pixels), name="x.dcm")
    assert radiograph.facts["sex"] == "female" and radiograph.colourfulness == 0.0


def test_colour_photo_is_measured_as_colourful():
    rng = np.random.default_rng(0)
    photo = rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)
    assert load_radiograph(_save(Image.fromarray(photo), "PNG")).colourfulness > 0.3
    assert load_radiograph(_save(Image.fromarray(synthetic_knee()), "PNG")).colourfulness == 0.0
