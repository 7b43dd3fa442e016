"""Images that are not usable radiographs, made in code, for training and testing the body-part gate.

Kinds: colour photos (crops of the photos shipped with scikit-learn, and synthetic colour scenes), documents
(rendered text), noise, blank and gradient images, inverted radiographs, and icons shipped by installed packages.
Every image is returned as grayscale uint8 (the gate sees what the model pipeline sees; colour is also caught by a
separate rule).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

NEGATIVE_KINDS = ("photo", "scene", "document", "noise", "blank", "gradient", "inverted", "icon", "photo")


def _package_images(names: tuple[str, ...]) -> list[np.ndarray]:
    import sklearn

    folder = Path(sklearn.__file__).parent / "datasets" / "images"
    return [cv2.imread(str(folder / n), cv2.IMREAD_GRAYSCALE) for n in names]


def _icons() -> list[np.ndarray]:
    import streamlit

    root = Path(streamlit.__file__).parent / "static"
    icons = []
    for path in sorted(root.rglob("*.png")):
        image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        if image is not None and min(image.shape) >= 16:
            icons.append(image)
    return icons


def _crop(rng, image: np.ndarray, size: int) -> np.ndarray:
    """A random square crop, flipped/rotated and with random gamma, so one photo yields many different views."""
    height, width = image.shape
    side = int(rng.integers(min(height, width) // 6, min(height, width)))
    top, left = rng.integers(0, height - side + 1), rng.integers(0, width - side + 1)
    crop = cv2.resize(image[top:top + side, left:left + side], (size, size), interpolation=cv2.INTER_AREA)
    crop = np.rot90(crop, int(rng.integers(4)))
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    gamma = rng.uniform(0.5, 2.0)
    return np.clip(255.0 * (crop / 255.0) ** gamma, 0, 255).astype(np.uint8)


def _scene(rng, size: int) -> np.ndarray:
    image = np.full((size, size, 3), rng.integers(0, 255, 3), dtype=np.uint8)
    for _ in range(int(rng.integers(3, 12))):
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        centre = tuple(int(c) for c in rng.integers(0, size, 2))
        if rng.random() < 0.5:
            cv2.circle(image, centre, int(rng.integers(5, size // 3)), colour, -1)
        else:
            cv2.rectangle(image, centre, tuple(int(c) for c in rng.integers(0, size, 2)), colour, -1)
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def _document(rng, size: int) -> np.ndarray:
    image = np.full((size * 2, size * 2), int(rng.integers(215, 256)), dtype=np.uint8)
    words = ["Patient", "report", "DXA", "osteoporosis", "Lorem", "ipsum", "dolor", "invoice", "total", "2026"]
    y = 20
    while y < size * 2 - 10:
        line = " ".join(rng.choice(words, int(rng.integers(2, 6))))
        cv2.putText(image, line, (10, y), cv2.FONT_HERSHEY_SIMPLEX, float(rng.uniform(0.4, 0.9)),
                    int(rng.integers(0, 60)), 1, cv2.LINE_AA)
        y += int(rng.integers(14, 30))
    return cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA)


def _noise(rng, size: int) -> np.ndarray:
    kind = rng.integers(0, 3)
    if kind == 0:
        return rng.integers(0, 256, (size, size), dtype=np.uint8)
    if kind == 1:
        return np.clip(rng.normal(128, 50, (size, size)), 0, 255).astype(np.uint8)
    small = rng.integers(0, 256, (size // 8, size // 8), dtype=np.uint8)
    return cv2.resize(small, (size, size), interpolation=cv2.INTER_CUBIC)


def _blank(rng, size: int) -> np.ndarray:
    return np.clip(rng.normal(int(rng.integers(0, 256)), 2, (size, size)), 0, 255).astype(np.uint8)


def _gradient(rng, size: int) -> np.ndarray:
    ramp = np.linspace(rng.uniform(0, 128), rng.uniform(128, 255), size)
    image = np.tile(ramp, (size, 1))
    return (image.T if rng.random() < 0.5 else image).astype(np.uint8)


def make_negatives(count: int, size: int, radiographs: list[np.ndarray], seed: int,
                   photo_names: tuple[str, ...] = ("china.jpg",)) -> tuple[list[np.ndarray], list[str]]:
    """``count`` negatives of mixed kinds and their kind names. ``radiographs`` (uint8, any size) are inverted for
    the "inverted" kind; ``photo_names`` picks which shipped photos are cropped (keep one for held-out tests)."""
    rng = np.random.default_rng(seed)
    photos = _package_images(photo_names)
    icons = _icons()
    makers: dict[str, Callable[[], np.ndarray]] = {
        "photo": lambda: _crop(rng, photos[int(rng.integers(len(photos)))], size),
        "scene": lambda: _scene(rng, size),
        "document": lambda: _document(rng, size),
        "noise": lambda: _noise(rng, size),
        "blank": lambda: _blank(rng, size),
        "gradient": lambda: _gradient(rng, size),
        "inverted": lambda: 255 - cv2.resize(radiographs[int(rng.integers(len(radiographs)))], (size, size)),
        "icon": lambda: cv2.resize(icons[int(rng.integers(len(icons)))], (size, size)),
    }
    kinds = [NEGATIVE_KINDS[i % len(NEGATIVE_KINDS)] for i in range(count)]
    return [makers[kind]() for kind in kinds], kinds
