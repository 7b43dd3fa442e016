"""Read a radiograph file (PNG, JPEG, BMP, TIFF or DICOM) into a grayscale ``uint8`` array (see package docs).

Guards: file-size and pixel-count limits (pixels × samples) checked from the header *before* decoding
(decompression bombs; a deflated DICOM is inflated with a cap), EXIF
orientation applied, 16-bit and float images scaled by their own range, alpha dropped, CMYK/palette converted.
DICOM: modality LUT (rescale slope/intercept), VOI LUT/window, MONOCHROME1 inverted, multi-frame refused; JPEG
Lossless/Extended, JPEG 2000, JPEG-LS and RLE are decoded by pydicom's plugins (pylibjpeg, pyjpegls). Of the
DICOM header only the patient's age and sex are kept (to pre-fill facts); nothing identifying is returned.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from osteo_core.errors import ImageReadError
from osteo_core.i18n import _

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_PIXELS = 50_000_000  # pixels × samples per pixel
MAX_INFLATED_BYTES = 160 * 1024 * 1024  # a deflated DICOM dataset, inflated (50 M 16-bit values plus headers)
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
    """Scale any numeric grayscale array to 0–255 using its own range (min → 0, max → 255).

    Works in float32, in place on one working copy (a 7000×7000 16-bit image needs ~200 MB, not 1.75 GB). NaN
    becomes the minimum; infinities are clipped.
    """
    array = np.asarray(array)
    work = array.astype(np.float32, copy=array.dtype == np.float32)
    finite = None if array.dtype.kind in "iub" else np.isfinite(work)
    if finite is not None and not finite.all():
        if not finite.any():
            return np.zeros(array.shape, dtype=np.uint8)
        low, high = float(work[finite].min()), float(work[finite].max())
        np.nan_to_num(work, copy=False, nan=low, posinf=high, neginf=low)
    else:
        low, high = float(work.min()), float(work.max())
    if high <= low:
        return np.zeros(array.shape, dtype=np.uint8)
    work -= low
    work *= np.float32(255.0 / (high - low))
    np.clip(work, 0, 255, out=work)
    np.rint(work, out=work)
    return work.astype(np.uint8)


def _check_size(width: int, height: int, samples: int = 1) -> None:
    """Refuse images over ``MAX_PIXELS`` values (pixels × samples per pixel), before anything is decoded."""
    if width * height * samples > MAX_PIXELS:
        size, limit = f"{width * height * samples / 1e6:.0f}", f"{MAX_PIXELS / 1e6:.0f}"
        if samples == 1:
            text = _("The image is {width}×{height} pixels ({size} megapixels); the limit is {limit} megapixels. "
                     "Downscale it before uploading.")
        else:
            text = _("The image is {width}×{height} pixels with {samples} samples per pixel ({size} million values); "
                     "the limit is {limit} million values. Downscale it before uploading.")
        raise ImageReadError(text.format(width=width, height=height, samples=samples, size=size, limit=limit))


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


def _inflate(data: bytes) -> bytes:
    """A deflated DICOM file (transfer syntax 1.2.840.10008.1.2.1.99) rewritten as explicit VR little endian,
    inflated with a cap of ``MAX_INFLATED_BYTES`` (pydicom would inflate without limit); other files unchanged.
    Raises :class:`ImageReadError` when the data inflates past the cap."""
    import zlib

    from pydicom.filebase import DicomBytesIO
    from pydicom.filereader import _read_file_meta_info, read_preamble
    from pydicom.filewriter import write_file_meta_info
    from pydicom.uid import DeflatedExplicitVRLittleEndian, ExplicitVRLittleEndian

    if data[128:132] != b"DICM":
        return data
    source = DicomBytesIO(data)
    read_preamble(source, False)
    meta = _read_file_meta_info(source)
    if meta.get("TransferSyntaxUID") != DeflatedExplicitVRLittleEndian:
        return data
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    body = inflater.decompress(data[source.tell():], MAX_INFLATED_BYTES + 1)
    if len(body) > MAX_INFLATED_BYTES:
        raise ImageReadError(_("The deflated DICOM file unpacks to more than {limit} MB, more than any radiograph "
                               "within the size limit needs; it was refused.").format(
                                   limit=f"{MAX_INFLATED_BYTES / 2**20:.0f}"))
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    target = DicomBytesIO()
    target.write(data[:132])
    write_file_meta_info(target, meta, enforce_standard=False)
    return target.getvalue() + body


def _read_dicom(data: bytes) -> DecodedImage:
    import pydicom
    from pydicom.pixels import apply_modality_lut, apply_voi_lut

    try:
        dataset = pydicom.dcmread(io.BytesIO(_inflate(data)), force=True)
        if "PixelData" not in dataset:
            raise ImageReadError(_("The DICOM file has no pixel data (it may be a report or a structured "
                                   "document)."))
        if int(getattr(dataset, "NumberOfFrames", 1) or 1) > 1:
            raise ImageReadError(_("Multi-frame DICOM is not supported: export the single radiograph frame."))
        _check_size(int(dataset.Columns), int(dataset.Rows), int(getattr(dataset, "SamplesPerPixel", 1) or 1))
        pixels = apply_voi_lut(apply_modality_lut(dataset.pixel_array, dataset), dataset)
    except ImageReadError:
        raise
    except Exception as exc:  # pydicom raises many types for broken files
        raise ImageReadError(_("The DICOM file cannot be decoded: {error}").format(error=exc)) from exc
    if pixels.ndim == 3:
        pixels = pixels.mean(axis=-1, dtype=np.float32)
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
        raise ImageReadError(_("The image looks like a decompression bomb and was refused: {error}").format(
            error=exc)) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise ImageReadError(
            _("The file is not a readable PNG, JPEG, BMP or TIFF image (corrupt, truncated or another format).")
        ) from exc
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        pixels = np.asarray(image)
        image.close()
        return DecodedImage(pixels=_to_uint8(pixels), source_format=fmt)
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
    return ImageReadError(_("The file is {size} MB; the limit is {limit} MB.").format(
        size=f"{size / 2**20:.0f}", limit=f"{MAX_FILE_BYTES / 2**20:.0f}"))


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
            raise ImageReadError(_("Cannot open {name}: {error}.").format(name=path.name, error=exc.strerror)) from exc
    else:
        data = bytes(source)
    if not data:
        raise ImageReadError(_("The file is empty (0 bytes)."))
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
        raise ImageReadError(_("The image is too small ({width}×{height} pixels); need ≥ {side}×{side}.").format(
            width=width, height=height, side=MIN_SIDE))
    return decoded


def read_radiograph(source: str | Path | bytes, name: str = "") -> np.ndarray:
    """Read a radiograph into a 2-D ``uint8`` array, bone bright. Raises :class:`ImageReadError` with the reason."""
    return decode_image(source, name).pixels
