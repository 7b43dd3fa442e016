"""Deletion/insertion faithfulness of saliency maps (Petsiuk et al., RISE, 2018).

Deletion: remove the most salient pixels first (replace with the blurred image) and record how fast the target
probability falls; the area under that curve is lower for a faithful map than for a random pixel order.
Insertion: start from the blurred image and restore the most salient pixels first; higher area is better.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def _curve(predict: Callable[[np.ndarray], np.ndarray], start: np.ndarray, finish: np.ndarray, order: np.ndarray,
           target: int, steps: int) -> np.ndarray:
    height, width = start.shape[:2]
    flat_start, flat_finish = start.reshape(-1, start.shape[-1]), finish.reshape(-1, finish.shape[-1])
    batch = []
    for k in range(steps + 1):
        count = round(k * order.size / steps)
        frame = flat_start.copy()
        frame[order[:count]] = flat_finish[order[:count]]
        batch.append(frame.reshape(height, width, -1))
    return predict(np.stack(batch))[:, target]


def deletion_insertion(
    predict: Callable[[np.ndarray], np.ndarray], image: np.ndarray, saliency: np.ndarray, target: int,
    steps: int = 20, seed: int = 0,
) -> dict[str, float]:
    """Areas under the deletion and insertion curves (0–1) for the saliency order and for a random order.

    ``image`` is one model input (H, W, C); ``saliency`` is (H, W); ``predict`` maps a batch to probabilities.
    """
    import cv2

    blurred = cv2.GaussianBlur(image, (0, 0), sigmaX=max(image.shape[:2]) / 16)
    blurred = blurred.reshape(image.shape)
    salient = np.argsort(-saliency.reshape(-1), kind="stable")
    shuffled = np.random.default_rng(seed).permutation(salient.size)
    result = {}
    for name, order in (("cam", salient), ("random", shuffled)):
        result[f"deletion_{name}"] = float(np.trapezoid(_curve(predict, image, blurred, order, target, steps),
                                                        dx=1 / steps))
        result[f"insertion_{name}"] = float(np.trapezoid(_curve(predict, blurred, image, order, target, steps),
                                                         dx=1 / steps))
    return result
