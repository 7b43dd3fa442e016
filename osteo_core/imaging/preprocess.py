"""Turn a grayscale radiograph into model input. Training and inference call the same functions."""

from __future__ import annotations

import numpy as np


def letterbox(image: np.ndarray, size: int) -> np.ndarray:
    """Resize the longer side to ``size`` keeping the aspect ratio, and pad to ``size``×``size`` with black.

    Input and output are 2-D ``uint8``. Padding is centred, so framing cannot stretch anatomy.
    """
    import cv2

    height, width = image.shape[:2]
    scale = size / max(height, width)
    new_h, new_w = max(1, round(height * scale)), max(1, round(width * scale))
    if (new_h, new_w) != (height, width):
        interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        image = cv2.resize(image, (new_w, new_h), interpolation=interpolation)
    canvas = np.zeros((size, size), dtype=np.uint8)
    top, left = (size - new_h) // 2, (size - new_w) // 2
    canvas[top:top + new_h, left:left + new_w] = image
    return canvas


def apply_clahe(image: np.ndarray, clip_limit: float = 2.0, tiles: int = 8) -> np.ndarray:
    """Contrast-limited adaptive histogram equalisation of a ``uint8`` image (an experiment, not a default:
    the knee_kl images may already be contrast-enhanced)."""
    import cv2

    return cv2.createCLAHE(clipLimit=clip_limit, tileGridSize=(tiles, tiles)).apply(image)


def prepare_for_model(image: np.ndarray, size: int, clahe: bool = False) -> np.ndarray:
    """``uint8`` grayscale → letterboxed ``float32`` array of shape (size, size, 1) in [0, 1]."""
    square = letterbox(image, size)
    if clahe:
        square = apply_clahe(square)
    return (square.astype(np.float32) / 255.0)[:, :, np.newaxis]
