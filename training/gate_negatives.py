"""Images that are not usable radiographs, made in code, for training and testing the body-part gate.

Kinds: colour photos (crops of the photos shipped with scikit-learn, and synthetic colour scenes), documents
(rendered text), noise, blank and gradient images, inverted radiographs, icons shipped by installed packages, and
periodic patterns (gratings, plaids, concentric rings, checkerboards; half of them written as 16-bit PNG files and
read back through the app's reader, which stretches a 16-bit image's own range to 0–255 — the way a synthetic
16-bit sinusoid once passed the gate as a knee). Every image is returned as grayscale uint8 (the gate sees what the
model pipeline sees; colour is also caught by a separate rule).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from osteo_core.imaging.radiograph import load_radiograph

NEGATIVE_KINDS = ("photo", "scene", "document", "noise", "blank", "gradient", "inverted", "icon", "photo",
                  "periodic")
PERIODIC_STYLES = ("grating", "plaid", "rings", "checkerboard")


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


def _grating(rng, yy: np.ndarray, xx: np.ndarray) -> np.ndarray:
    """A sinusoid of 2–40 cycles per image (log-uniform), random orientation and phase, in [−1, 1]."""
    cycles = float(np.exp(rng.uniform(np.log(2), np.log(40))))
    angle = rng.uniform(0, np.pi)
    return np.sin(2 * np.pi * cycles * (xx * np.cos(angle) + yy * np.sin(angle)) + rng.uniform(0, 2 * np.pi))


def periodic_pattern(rng, size: int, style: str | None = None) -> np.ndarray:
    """A periodic pattern (size, size) float64 in [0, 1]: ``style`` one of PERIODIC_STYLES (random when None);
    half of the gratings and plaids become square waves. Raises ValueError for an unknown style."""
    style = style or str(rng.choice(PERIODIC_STYLES))
    yy, xx = np.mgrid[0:size, 0:size] / size
    if style == "grating":
        wave = _grating(rng, yy, xx)
    elif style == "plaid":
        wave = sum(_grating(rng, yy, xx) for _ in range(int(rng.integers(2, 4))))
    elif style == "rings":
        cy, cx = rng.uniform(0.2, 0.8, 2)
        cycles = float(np.exp(rng.uniform(np.log(2), np.log(40))))
        wave = np.sin(2 * np.pi * cycles * np.hypot(yy - cy, xx - cx) + rng.uniform(0, 2 * np.pi))
    elif style == "checkerboard":
        cycles = float(rng.uniform(2, 20))  # squares per side up to 40
        angle = rng.uniform(0, np.pi / 2) if rng.random() < 0.5 else 0.0
        u, v = xx * np.cos(angle) + yy * np.sin(angle), -xx * np.sin(angle) + yy * np.cos(angle)
        wave = np.sign(np.sin(2 * np.pi * cycles * u + rng.uniform(0, 6.3)) *
                       np.sin(2 * np.pi * cycles * v + rng.uniform(0, 6.3)))
    else:
        raise ValueError(f"style must be one of {PERIODIC_STYLES}. Got {style!r}.")
    if style in ("grating", "plaid") and rng.random() < 0.5:
        wave = np.sign(wave)
    low, high = wave.min(), wave.max()
    return (wave - low) / (high - low) if high > low else np.full_like(wave, 0.5)


def _finish(rng, pattern: np.ndarray) -> np.ndarray:
    """Random contrast and mean, then optional blur, noise and gamma; [0, 1] float."""
    contrast = rng.uniform(0.15, 1.0)
    image = np.clip(rng.uniform(contrast / 2, 1 - contrast / 2) + contrast * (pattern - 0.5), 0, 1)
    if rng.random() < 0.3:
        image = cv2.GaussianBlur(image, (0, 0), float(rng.uniform(0.5, 2.0)))
    if rng.random() < 0.3:
        image = np.clip(image + rng.normal(0, rng.uniform(0.01, 0.08), image.shape), 0, 1)
    if rng.random() < 0.3:
        image = image ** rng.uniform(0.5, 2.0)
    return image


def via_16bit_png(rng, image: np.ndarray, name: str = "x.png") -> np.ndarray:
    """``image`` in [0, 1] stored as a 16-bit PNG (the full 0–65535 range or a narrow window of it) and read back
    through the app's reader (``load_radiograph``), which windows a 16-bit file by its own range; uint8."""
    if rng.random() < 0.5:
        low, width = 0.0, 65535.0
    else:
        width = float(rng.uniform(200, 6000))
        low = float(rng.uniform(0, 65535 - width))
    ok, encoded = cv2.imencode(".png", np.round(low + width * image).astype(np.uint16))
    if not ok:
        raise RuntimeError("cv2 could not encode a 16-bit PNG")
    return load_radiograph(encoded.tobytes(), name).pixels


def make_periodic(rng, size: int, style: str | None = None, sixteen_bit: bool | None = None) -> np.ndarray:
    """One periodic negative (size, size) uint8; ``sixteen_bit`` (random half the time when None) sends it through
    a 16-bit PNG and the app's reader. The 16-bit ones are drawn at 1–4× ``size`` (as a file would be) and
    resized to ``size`` after reading."""
    sixteen_bit = bool(rng.random() < 0.5) if sixteen_bit is None else sixteen_bit
    side = int(rng.integers(size, 4 * size + 1)) if sixteen_bit else size
    image = _finish(rng, periodic_pattern(rng, side, style))
    if not sixteen_bit:
        return np.round(255 * image).astype(np.uint8)
    pixels = via_16bit_png(rng, image)
    return cv2.resize(pixels, (size, size), interpolation=cv2.INTER_AREA) if side != size else pixels


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
        "periodic": lambda: make_periodic(rng, size),
    }
    kinds = [NEGATIVE_KINDS[i % len(NEGATIVE_KINDS)] for i in range(count)]
    return [makers[kind]() for kind in kinds], kinds


def make_periodic_set(count: int, size: int, seed: int) -> tuple[list[np.ndarray], list[str], list[bool]]:
    """``count`` periodic negatives cycling through every style × (8-bit, 16-bit file), with their style names and
    whether each went through a 16-bit PNG (for a per-style, per-depth false-accept count)."""
    rng = np.random.default_rng(seed)
    combos = [(style, bits) for bits in (False, True) for style in PERIODIC_STYLES]
    chosen = [combos[i % len(combos)] for i in range(count)]
    images = [make_periodic(rng, size, style, bits) for style, bits in chosen]
    return images, [c[0] for c in chosen], [c[1] for c in chosen]
