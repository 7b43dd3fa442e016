"""Draw a heatmap over a grayscale radiograph."""

from __future__ import annotations

import numpy as np

from osteo_core.i18n import _


def overlay_heatmap(image: np.ndarray, heatmap: np.ndarray, opacity: float = 0.4) -> np.ndarray:
    """RGB ``uint8`` image: the grayscale ``image`` (H, W) with ``heatmap`` (values 0–1, any size) in the JET
    colour map blended at ``opacity`` (0 = image only, 1 = heatmap only). Raises ``ValueError`` for opacity outside
    0–1."""
    import cv2

    if not 0.0 <= opacity <= 1.0:
        raise ValueError(_("opacity must be between 0 and 1. Got {value}.").format(value=opacity))
    gray = np.asarray(image, dtype=np.uint8)
    heat = cv2.resize(np.clip(heatmap, 0, 1).astype(np.float32), (gray.shape[1], gray.shape[0]))
    coloured = cv2.applyColorMap((heat * 255).astype(np.uint8), cv2.COLORMAP_JET)[:, :, ::-1]
    base = np.repeat(gray[:, :, None], 3, axis=2).astype(np.float32)
    return np.clip((1 - opacity) * base + opacity * coloured, 0, 255).astype(np.uint8)


def png_bytes(image: np.ndarray) -> bytes:
    """PNG encoding of a grayscale (H, W) or RGB (H, W, 3) uint8 image."""
    import cv2

    array = np.asarray(image, dtype=np.uint8)
    if array.ndim == 3:
        array = array[:, :, ::-1]  # cv2 writes BGR
    ok, buffer = cv2.imencode(".png", array)
    if not ok:
        raise ValueError(_("could not encode an image of shape {shape} as PNG").format(shape=array.shape))
    return buffer.tobytes()
