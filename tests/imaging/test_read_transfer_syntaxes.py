"""PACS transfer syntaxes (issue 14, item 14), decoded by pydicom's plugins on pydicom's own bundled files, with
the size checks still made before any pixel is decoded."""

from __future__ import annotations

import pytest

from osteo_core.errors import ImageReadError
from osteo_core.imaging import read
from osteo_core.imaging.read import decode_image

pydicom_data = pytest.importorskip("pydicom.data")

FILES = {  # transfer syntax: a bundled file that uses it
    "JPEG Lossless, process 14 (1.2.840.10008.1.2.4.70)": "SC_rgb_jpeg_gdcm.dcm",
    "JPEG Extended 12-bit (1.2.840.10008.1.2.4.51)": "JPGExtended.dcm",  # JPEG-lossy.dcm is malformed
    "JPEG 2000 (1.2.840.10008.1.2.4.91)": "JPEG2000.dcm",
    "JPEG 2000 lossless (1.2.840.10008.1.2.4.90)": "MR_small_jp2klossless.dcm",
    "JPEG-LS lossless (1.2.840.10008.1.2.4.80)": "MR_small_jpeg_ls_lossless.dcm",
    "JPEG-LS near-lossless (1.2.840.10008.1.2.4.81)": "JPEGLSNearLossless_16.dcm",
    "RLE lossless (1.2.840.10008.1.2.5)": "MR_small_RLE.dcm",
    "RLE lossless, RGB": "SC_rgb_rle.dcm",
    "Deflated explicit VR (1.2.840.10008.1.2.1.99)": "image_dfl.dcm",
}


@pytest.mark.parametrize("syntax", list(FILES))
def test_transfer_syntax_is_decoded(syntax):
    import pydicom

    path = pydicom_data.get_testdata_file(FILES[syntax])
    expected = pydicom.dcmread(path, stop_before_pixels=True)
    if min(int(expected.Rows), int(expected.Columns)) < read.MIN_SIDE:
        pytest.skip("smaller than the reader's minimum side")
    image = decode_image(path)
    assert image.pixels.dtype.name == "uint8"
    assert image.pixels.shape == (int(expected.Rows), int(expected.Columns))
    assert image.pixels.max() > image.pixels.min()


def test_small_bundled_files_decode_to_pixels():
    """The 64×64 and 50×10 files are below the reader's minimum side; pydicom's plugins still decode them."""
    import pydicom

    for name in ("MR_small_jp2klossless.dcm", "MR_small_jpeg_ls_lossless.dcm", "JPEGLSNearLossless_16.dcm"):
        dataset = pydicom.dcmread(pydicom_data.get_testdata_file(name))
        assert dataset.pixel_array.std() > 0, name


@pytest.mark.parametrize("name", ["JPEG2000.dcm", "JPGExtended.dcm", "SC_rgb_rle.dcm"])
def test_size_limit_is_checked_before_decoding(monkeypatch, name):
    import pydicom

    def refuse(*args, **kwargs):
        raise AssertionError("pixels were decoded before the size check")

    monkeypatch.setattr(read, "MAX_PIXELS", 100)
    monkeypatch.setattr(pydicom.dataset.Dataset, "pixel_array", property(refuse))
    with pytest.raises(ImageReadError, match="the limit is 0"):
        decode_image(pydicom_data.get_testdata_file(name))
