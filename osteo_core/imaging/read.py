"""Read a radiograph file (PNG, JPEG, BMP, TIFF or DICOM) into a grayscale ``uint8`` array (see package docs).

Guards: file-size and pixel-count limits checked from the header *before* decoding (decompression bombs), EXIF
orientation applied, 16-bit and float images scaled by their own range, alpha dropped, CMYK/palette converted.
DICOM: modality LUT (rescale slope/intercept), VOI LUT/window, MONOCHROME1 inverted, multi-frame refused. Of the
DICOM header only the patient's age and sex are kept (to pre-fill facts); nothing identifying is returned.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from osteo_core.errors import ImageReadError

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_PIXELS = 50_000_000
MIN_SIDE = 32
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".dcm", ".dicom")


@dataclass
class DecodedImage:
    """``pixels``: 2-D uint8, bone bright. ``rgb``: (H, W, 3) uint8 for colour files, else ``None``.
    ``source_format``: "dicom" or the bitmap format name. ``facts``: DICOM age (years) and sex, when present."""

    pixels: np.ndarray
    rgb: np.ndarray | None = None
    source_format: str = "bitmap"
    facts: dict[str, object] = field(default_factory=dict)


def _to_uint8(array: np.ndarray) -> np.ndarray:
    """Scale any numeric grayscale array to 0–255 using its own range (min → 0, max → 255)."""
    array = np.asarray(array, dtype=np.float64)
    finite = array[np.isfinite(array)]
    if finite.size == 0 or finite.max() <= finite.min():
        return np.zeros(array.shape, dtype=np.uint8)
    low, high = finite.min(), finite.max()
    return np.clip((np.nan_to_num(array, nan=low) - low) * (255.0 / (high - low)), 0, 255).round().astype(np.uint8)


def _check_size(width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise ImageReadError(
            f"The image is {width}×{height} pixels ({width * height / 1e6:.0f} megapixels); the limit is "
            f"{MAX_PIXELS / 1e6:.0f} megapixels. Downscale it before uploading."
        )


def _dicom_facts(dataset) -> dict[str, object]:
    facts: dict[str, object] = {}
    match = re.fullmatch(r"(\d{1,3})([YMWD])", str(getattr(dataset, "PatientAge", "")).strip())
    if match:
        value, unit = int(match.group(1)), match.group(2)
        facts["age_years"] = {"Y": value, "M": value / 12, "W": value / 52, "D": value / 365}[unit]
    sex = str(getattr(dataset, "PatientSex", "")).strip().upper()
    if sex in ("F", "M"):
        facts["sex"] = "female" if sex == "F" else "male"
    return facts


def _read_dicom(data: bytes) -> DecodedImage:
    import pydicom
    from pydicom.pixels import apply_modality_lut, apply_voi_lut

    try:
        dataset = pydicom.dcmread(io.BytesIO(data), force=True)
        if "PixelData" not in dataset:
            raise ImageReadError("The DICOM file has no pixel data (it may be a report or a structured document).")
        if int(getattr(dataset, "NumberOfFrames", 1) or 1) > 1:
            raise ImageReadError("Multi-frame DICOM is not supported: export the single radiograph frame.")
        _check_size(int(dataset.Columns), int(dataset.Rows))
        pixels = apply_voi_lut(apply_modality_lut(dataset.pixel_array, dataset), dataset)
    except ImageReadError:
        raise
    except Exception as exc:  # pydicom raises many types for broken files
        raise ImageReadError(f"The DICOM file cannot be decoded: {exc}") from exc
    if pixels.ndim == 3:
        pixels = pixels.mean(axis=-1)
    image = _to_uint8(pixels)
    if str(getattr(dataset, "PhotometricInterpretation", "")).upper() == "MONOCHROME1":
        image = 255 - image
    return DecodedImage(pixels=image, source_format="dicom", facts=_dicom_facts(dataset))


def _read_bitmap(data: bytes) -> DecodedImage:
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as opened:
            _check_size(*opened.size)
            image = ImageOps.exif_transpose(opened)
            image.load()
            fmt = (opened.format or "bitmap").lower()
    except ImageReadError:
        raise
    except Image.DecompressionBombError as exc:
        raise ImageReadError(f"The image looks like a decompression bomb and was refused: {exc}") from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise ImageReadError(
            "The file is not a readable PNG, JPEG, BMP or TIFF image (corrupt, truncated or another format)."
        ) from exc
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        return DecodedImage(pixels=_to_uint8(np.asarray(image)), source_format=fmt)
    if image.mode in ("L", "1"):
        return DecodedImage(pixels=np.asarray(image.convert("L")), source_format=fmt)
    if image.mode in ("LA", "La"):
        return DecodedImage(pixels=np.asarray(image.getchannel(0)), source_format=fmt)
    rgb = np.asarray(image.convert("RGB"))
    gray = np.asarray(image.convert("RGB").convert("L"))
    return DecodedImage(pixels=gray, rgb=rgb, source_format=fmt)


def is_dicom(data: bytes, name: str = "") -> bool:
    """True for DICOM content (the 'DICM' preamble marker) or a .dcm/.dicom file name."""
    return data[128:132] == b"DICM" or Path(name).suffix.lower() in (".dcm", ".dicom")


def _too_big(size: int) -> ImageReadError:
    return ImageReadError(f"The file is {size / 2**20:.0f} MB; the limit is {MAX_FILE_BYTES / 2**20:.0f} MB.")


def read_bytes(source: str | Path | bytes) -> bytes:
    """The bytes of a path or bytes object, refusing empty and oversized files. Raises :class:`ImageReadError`."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise _too_big(size)
            data = path.read_bytes()
        except OSError as exc:
            raise ImageReadError(f"Cannot open {path.name}: {exc.strerror}.") from exc
    else:
        data = bytes(source)
    if not data:
        raise ImageReadError("The file is empty (0 bytes).")
    if len(data) > MAX_FILE_BYTES:
        raise _too_big(len(data))
    return data


def decode_image(source: str | Path | bytes, name: str = "") -> DecodedImage:
    """Read and decode a file (path or bytes). Raises :class:`ImageReadError` with the reason."""
    name = name or (Path(source).name if isinstance(source, (str, Path)) else "")
    data = read_bytes(source)
    decoded = _read_dicom(data) if is_dicom(data, name) else _read_bitmap(data)
    height, width = decoded.pixels.shape
    if min(height, width) < MIN_SIDE:
        raise ImageReadError(f"The image is too small ({width}×{height} pixels); need ≥ {MIN_SIDE}×{MIN_SIDE}.")
    return decoded


def read_radiograph(source: str | Path | bytes, name: str = "") -> np.ndarray:
    """Read a radiograph into a 2-D ``uint8`` array, bone bright. Raises :class:`ImageReadError` with the reason."""
    return decode_image(source, name).pixels
