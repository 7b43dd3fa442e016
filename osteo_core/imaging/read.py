"""Read a radiograph file (PNG, JPEG, BMP, TIFF or DICOM) into a grayscale ``uint8`` array (see package docs)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from osteo_core.errors import ImageReadError

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_PIXELS = 60_000_000
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".dcm", ".dicom")


def _to_uint8(array: np.ndarray) -> np.ndarray:
    """Scale any numeric grayscale array to 0–255 using its own range (min → 0, max → 255)."""
    array = np.asarray(array, dtype=np.float64)
    low, high = np.nanmin(array), np.nanmax(array)
    if not np.isfinite(low) or not np.isfinite(high) or high <= low:
        return np.zeros(array.shape, dtype=np.uint8)
    return np.clip((array - low) * (255.0 / (high - low)), 0, 255).round().astype(np.uint8)


def _read_dicom(data: bytes) -> np.ndarray:
    import pydicom
    from pydicom.pixels import apply_modality_lut, apply_voi_lut

    try:
        dataset = pydicom.dcmread(io.BytesIO(data), force=True)
        if "PixelData" not in dataset:
            raise ImageReadError("The DICOM file has no pixel data (it may be a report or a structured document).")
        if int(getattr(dataset, "NumberOfFrames", 1) or 1) > 1:
            raise ImageReadError("Multi-frame DICOM is not supported: export the single radiograph frame.")
        pixels = dataset.pixel_array
        pixels = apply_modality_lut(pixels, dataset)
        pixels = apply_voi_lut(pixels, dataset)
    except ImageReadError:
        raise
    except Exception as exc:  # pydicom raises many types for broken files
        raise ImageReadError(f"The DICOM file cannot be decoded: {exc}") from exc
    if pixels.ndim == 3:
        pixels = pixels.mean(axis=-1)
    image = _to_uint8(pixels)
    if str(getattr(dataset, "PhotometricInterpretation", "")).upper() == "MONOCHROME1":
        image = 255 - image
    return image


def _read_bitmap(data: bytes) -> np.ndarray:
    import cv2

    buffer = np.frombuffer(data, dtype=np.uint8)
    image = cv2.imdecode(buffer, cv2.IMREAD_UNCHANGED | cv2.IMREAD_ANYDEPTH)
    if image is None:
        raise ImageReadError("The file is not a readable PNG, JPEG, BMP or TIFF image (corrupt or another format).")
    if image.ndim == 3:
        channels = image.shape[2]
        if channels == 4:
            image = image[:, :, :3]
        image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.shape[2] == 3 else image[:, :, 0]
    if image.dtype != np.uint8:
        image = _to_uint8(image)
    return image


def is_dicom(data: bytes, name: str = "") -> bool:
    """True for DICOM content (the 'DICM' preamble marker) or a .dcm/.dicom file name."""
    return data[128:132] == b"DICM" or Path(name).suffix.lower() in (".dcm", ".dicom")


def read_radiograph(source: str | Path | bytes, name: str = "") -> np.ndarray:
    """Read a radiograph from a path or bytes into a 2-D ``uint8`` array, bone bright.

    Raises :class:`ImageReadError` for an empty, oversized, corrupt or unsupported file, with the reason.
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        name = name or path.name
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise ImageReadError(f"Cannot open {path}: {exc.strerror}.") from exc
        if size > MAX_FILE_BYTES:
            raise ImageReadError(f"The file is {size / 2**20:.0f} MB; the limit is {MAX_FILE_BYTES / 2**20:.0f} MB.")
        data = path.read_bytes()
    else:
        data = bytes(source)
    if not data:
        raise ImageReadError("The file is empty (0 bytes).")
    if len(data) > MAX_FILE_BYTES:
        raise ImageReadError(f"The file is {len(data) / 2**20:.0f} MB; the limit is {MAX_FILE_BYTES / 2**20:.0f} MB.")
    image = _read_dicom(data) if is_dicom(data, name) else _read_bitmap(data)
    if image.size > MAX_PIXELS:
        raise ImageReadError(f"The image has {image.size / 1e6:.0f} megapixels; the limit is {MAX_PIXELS / 1e6:.0f}.")
    if min(image.shape) < 32:
        raise ImageReadError(f"The image is too small ({image.shape[1]}×{image.shape[0]} pixels); need ≥ 32×32.")
    return image
