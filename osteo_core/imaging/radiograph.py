"""A loaded radiograph with the facts the sanity checks need, and the honest pre-model checks themselves."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from osteo_core.errors import ImageReadError
from osteo_core.i18n import _, format_decimal
from osteo_core.imaging.read import decode_image


@dataclass
class Radiograph:
    """Grayscale ``pixels`` (uint8, bone bright), the file's colourfulness (0 for gray, up to ~1 for vivid colour),
    the source format ("dicom", "png", "jpeg", …) and patient ``facts`` read from a DICOM header (age_years, sex)."""

    pixels: np.ndarray
    colourfulness: float = 0.0
    source_format: str = "bitmap"
    facts: dict[str, object] = field(default_factory=dict)


def colourfulness(rgb: np.ndarray | None) -> float:
    """Mean HSV saturation (0–1) of an RGB uint8 image over pixels that are not very dark; 0 for ``None``."""
    if rgb is None:
        return 0.0
    import cv2

    step = max(1, int(np.sqrt(rgb.shape[0] * rgb.shape[1] / 250_000)))
    hsv = cv2.cvtColor(np.ascontiguousarray(rgb[::step, ::step]), cv2.COLOR_RGB2HSV)
    mask = hsv[:, :, 2] > 30
    return float(hsv[:, :, 1][mask].mean() / 255.0) if mask.any() else 0.0


def load_radiograph(source: str | Path | bytes, name: str = "") -> Radiograph:
    """Read a file (path or bytes) into a :class:`Radiograph`. Raises :class:`ImageReadError` with the reason."""
    decoded = decode_image(source, name)
    return Radiograph(pixels=decoded.pixels, colourfulness=colourfulness(decoded.rgb),
                      source_format=decoded.source_format, facts=decoded.facts)


MAX_COLOURFULNESS = 0.15
MIN_CONTRAST_SD = 5.0
MAX_ASPECT_RATIO = 3.0
MIN_SIDE = 64


def sanity_problems(radiograph: Radiograph) -> list[str]:
    """Reasons why an image cannot be a usable radiograph, from simple measurements (empty list = passes), in the
    current language.

    These are honest sanity checks, not a learned body-part classifier: a photo of another gray object passes.
    """
    pixels = radiograph.pixels
    problems = []
    if radiograph.colourfulness > MAX_COLOURFULNESS:
        problems.append(_("the image is in colour (saturation {saturation}); radiographs are grayscale").format(
            saturation=format_decimal(radiograph.colourfulness, 2)))
    if pixels.std() < MIN_CONTRAST_SD:
        problems.append(_("the image is nearly uniform (contrast SD {contrast} gray levels); it looks blank").format(
            contrast=format_decimal(pixels.std(), 1)))
    height, width = pixels.shape
    if max(height, width) / min(height, width) > MAX_ASPECT_RATIO:
        problems.append(_("the image is {width}×{height} pixels, an aspect ratio above {ratio}:1").format(
            width=width, height=height, ratio=f"{MAX_ASPECT_RATIO:g}"))
    if min(height, width) < MIN_SIDE:
        problems.append(_("the image is too small ({width}×{height} pixels; need at least {side} on each side)").format(
            width=width, height=height, side=MIN_SIDE))
    return problems


def check_readable(source: str | Path | bytes, name: str = "") -> tuple[Radiograph | None, str]:
    """Load and sanity-check; returns (radiograph, "") or (None or radiograph, reason)."""
    try:
        radiograph = load_radiograph(source, name)
    except (ImageReadError, OSError) as exc:
        return None, str(exc)
    problems = sanity_problems(radiograph)
    return radiograph, "; ".join(problems)
