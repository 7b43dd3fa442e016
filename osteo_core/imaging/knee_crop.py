"""Normalise the framing of a knee radiograph: crop it to one knee joint, framed like the OAI knee crops the KL
backbone was trained on.

Uploads differ in framing (one knee, both knees, a full leg) and size, and a model can learn the framing instead of
the bone. The detector is deliberately simple: normalised cross-correlation, at several scales, of the image and of
its vertical gradient with a template — the mean of the OAI training knees (flip-symmetrised, 64 × 64), whose dark
joint-space line between bright condyles and plateau is the distinctive pattern. The best window is widened by
``margin`` (the template's bone fills less of its width than the matched window) and clipped to the image.

Why not the body-part gate: on the knee_bone_density radiographs its knee probability is ≈ 1.00 for nearly every
window (both knees, one knee, a femoral shaft), so it cannot localise a joint; it stays the gate for the whole
upload. Pure numpy/OpenCV.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

TEMPLATE_SIZE = 64
# Window side (before the margin) as a fraction of the image's shorter side, geometric from 0.18 to 1.0.
DEFAULT_SCALES = (0.18, 0.22, 0.26, 0.31, 0.37, 0.44, 0.52, 0.62, 0.74, 0.87, 1.0)
DEFAULT_MARGIN = 1.3
MIN_WINDOW_STD = 12.0  # grey levels (0–255): flatter windows (background, collimator) are never chosen


@dataclass(frozen=True)
class KneeCrop:
    """The cropped square (uint8), its box in the original image (``top``, ``left``, ``side`` in pixels), the
    detector's score (mean of two correlations, −1…1) and the matched scale (fraction of the shorter side)."""

    pixels: np.ndarray
    top: int
    left: int
    side: int
    score: float
    scale: float


def build_knee_template(images: np.ndarray, size: int = TEMPLATE_SIZE) -> np.ndarray:
    """The detector template from joint-centred knee crops (N, H, W) uint8: their mean, averaged with its mirror
    image and resized to (size, size) float32 (grey levels 0–255). Raises ValueError for an empty stack."""
    import cv2

    images = np.asarray(images)
    if images.ndim != 3 or len(images) == 0:
        raise ValueError(f"build_knee_template needs a non-empty (N, H, W) stack. Got shape {images.shape}.")
    mean = np.zeros(images.shape[1:], dtype=np.float64)
    for start in range(0, len(images), 256):  # in chunks: the stack may be a memory map of thousands of images
        mean += images[start:start + 256].astype(np.float64).sum(axis=0)
    mean /= len(images)
    mean = (mean + mean[:, ::-1]) / 2
    return cv2.resize(mean.astype(np.float32), (size, size), interpolation=cv2.INTER_AREA)


def _vertical_gradient(image: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.Sobel(cv2.GaussianBlur(image, (0, 0), 1.0), cv2.CV_32F, 0, 1, ksize=3)


def _window_std(image: np.ndarray, size: int) -> np.ndarray:
    """Standard deviation of every size × size window (valid positions, as matchTemplate's result)."""
    import cv2

    kernel = (size, size)
    mean = cv2.boxFilter(image, cv2.CV_32F, kernel, normalize=True, borderType=cv2.BORDER_CONSTANT)
    square = cv2.boxFilter(image * image, cv2.CV_32F, kernel, normalize=True, borderType=cv2.BORDER_CONSTANT)
    std = np.sqrt(np.maximum(square - mean * mean, 0))
    # boxFilter is centred; matchTemplate indexes windows by their top-left corner
    half = size // 2
    rows, cols = image.shape[0] - size + 1, image.shape[1] - size + 1
    return std[half:half + rows, half:half + cols]


def crop_to_knee(image: np.ndarray, template: np.ndarray, scales: Sequence[float] = DEFAULT_SCALES,
                 margin: float = DEFAULT_MARGIN, min_std: float = MIN_WINDOW_STD) -> KneeCrop:
    """The square window of a 2-D uint8 ``image`` that best matches the knee ``template`` (see the module
    docstring), widened by ``margin`` about its centre and clipped to the image.

    Falls back to the centred square of the shorter side (score −1) when no window has enough contrast. Raises
    ValueError for an image that is not 2-D or is empty, a scale outside (0, 1] or a margin below 1.
    """
    import cv2

    image = np.asarray(image)
    if image.ndim != 2 or image.size == 0:
        raise ValueError(f"crop_to_knee needs a non-empty 2-D grayscale image. Got shape {image.shape}.")
    if any(not 0 < s <= 1 for s in scales) or margin < 1:
        raise ValueError(f"scales must lie in (0, 1] and margin be ≥ 1. Got {tuple(scales)}, {margin}.")
    template = np.asarray(template, dtype=np.float32)
    size = template.shape[0]
    template_gradient = _vertical_gradient(template)
    height, width = image.shape
    short = min(height, width)
    best = (-np.inf, 0.0, 0, 0, short)
    for scale in scales:
        side = scale * short
        factor = size / side
        new_w, new_h = max(size, round(width * factor)), max(size, round(height * factor))
        interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR
        small = cv2.resize(image, (new_w, new_h), interpolation=interpolation).astype(np.float32)
        score = (cv2.matchTemplate(small, template, cv2.TM_CCOEFF_NORMED)
                 + cv2.matchTemplate(_vertical_gradient(small), template_gradient, cv2.TM_CCOEFF_NORMED)) / 2
        score[~(_window_std(small, size) >= min_std)] = -np.inf
        row, col = np.unravel_index(int(np.argmax(score)), score.shape)
        if score[row, col] > best[0]:
            best = (float(score[row, col]), scale, row / new_h * height, col / new_w * width, side)
    value, scale, top, left, side = best
    if not np.isfinite(value):
        value, top, left = -1.0, (height - short) / 2, (width - short) / 2
    centre_y, centre_x = top + side / 2, left + side / 2
    side = int(min(round(side * margin), short))
    top = int(np.clip(round(centre_y - side / 2), 0, height - side))
    left = int(np.clip(round(centre_x - side / 2), 0, width - side))
    return KneeCrop(pixels=np.ascontiguousarray(image[top:top + side, left:left + side]), top=top, left=left,
                    side=side, score=float(value), scale=float(scale))


class KneeCropper:
    """The knee crop a model was trained with, from its manifest's ``crop`` block (``template``: a .npy file in
    the model folder; optional ``scales``, ``margin``, ``min_std``). Call it on a 2-D uint8 image."""

    def __init__(self, template: np.ndarray, scales: Sequence[float] = DEFAULT_SCALES,
                 margin: float = DEFAULT_MARGIN, min_std: float = MIN_WINDOW_STD):
        self.template = np.asarray(template, dtype=np.float32)
        self.scales, self.margin, self.min_std = tuple(scales), float(margin), float(min_std)

    @classmethod
    def from_manifest(cls, folder: Path, metadata: dict[str, Any]) -> KneeCropper | None:
        """The cropper a manifest asks for, or None when it has no ``crop`` block. Raises OSError/ValueError for a
        missing or unreadable template file."""
        block = metadata.get("crop")
        if not block:
            return None
        template = np.load(Path(folder) / block["template"], allow_pickle=False)
        return cls(template, block.get("scales", DEFAULT_SCALES), block.get("margin", DEFAULT_MARGIN),
                   block.get("min_std", MIN_WINDOW_STD))

    def crop(self, image: np.ndarray) -> KneeCrop:
        """The knee crop of ``image`` (see :func:`crop_to_knee`)."""
        return crop_to_knee(image, self.template, self.scales, self.margin, self.min_std)

    def __call__(self, image: np.ndarray) -> np.ndarray:
        """The cropped pixels of ``image``."""
        return self.crop(image).pixels
