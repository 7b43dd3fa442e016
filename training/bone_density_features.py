"""Image features of the knee_bone_density radiographs: crop each to one knee joint, pool the KL backbone's last
feature map (mean of the crop and its mirror image), cache them, and draw a contact sheet of the crops.

Cache: ``<work>/features_<backbone sha256[:12]>_<crop settings hash>.npz`` with the crop embeddings, the embeddings
of the whole letterboxed image (for comparison), crop boxes and the original widths and heights.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import numpy as np

from osteo_core.imaging.knee_crop import KneeCropper
from osteo_core.model_files import file_sha256

log = logging.getLogger("train_bone_density")
POOL_LAYER = "pool"


def pooled_extractor(backbone):
    """A Keras model from the backbone's input to its global-average-pooled features (layer ``pool``)."""
    import keras

    return keras.Model(backbone.inputs, backbone.get_layer(POOL_LAYER).output)


def embed(extractor, images: list[np.ndarray], size: int, batch: int = 16) -> np.ndarray:
    """(N, features) float32: mean of the pooled features of each image and its mirror image, through the
    runtime's preprocessing (letterbox to ``size``, [0, 1])."""
    from osteo_core.imaging.preprocess import prepare_for_model

    out = []
    for start in range(0, len(images), batch):
        x = np.stack([prepare_for_model(im, size) for im in images[start:start + batch]])
        both = extractor.predict(np.concatenate([x, x[:, :, ::-1]]), verbose=0)
        out.append((both[:len(x)] + both[len(x):]) / 2)
    return np.concatenate(out).astype(np.float32)


def crop_settings_key(cropper: KneeCropper) -> str:
    """Short hash of the crop template and settings (part of the cache name)."""
    digest = hashlib.sha256(cropper.template.tobytes())
    digest.update(json.dumps([list(cropper.scales), cropper.margin, cropper.min_std]).encode())
    return digest.hexdigest()[:10]


def image_features(images: list[np.ndarray], backbone_path: Path, cropper: KneeCropper, work: Path) -> dict:
    """Crops, crop embeddings and whole-image embeddings for ``images`` (cached under ``work``).

    Returns {"crop": (N, F), "whole": (N, F), "boxes": (N, 4) top/left/side/score, "scale": (N,), "width": (N,),
    "height": (N,), "crops": list of uint8 crops}.
    """
    import keras

    crops = [cropper.crop(im) for im in images]
    key = f"{file_sha256(backbone_path)[:12]}_{crop_settings_key(cropper)}"
    cache = work / f"features_{key}.npz"
    base = {"boxes": np.array([[c.top, c.left, c.side, c.score] for c in crops], dtype=float),
            "scale": np.array([c.scale for c in crops]), "width": np.array([im.shape[1] for im in images], float),
            "height": np.array([im.shape[0] for im in images], float), "crops": [c.pixels for c in crops]}
    if cache.exists():
        stored = np.load(cache)
        if len(stored["crop"]) == len(images):
            log.info("image features from cache %s", cache)
            return base | {"crop": stored["crop"], "whole": stored["whole"]}
    backbone = keras.models.load_model(backbone_path, compile=False)
    extractor = pooled_extractor(backbone)
    size = int(backbone.input_shape[1])
    base["crop"] = embed(extractor, base["crops"], size)
    base["whole"] = embed(extractor, images, size)
    work.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(cache, crop=base["crop"], whole=base["whole"])
    log.info("image features computed and cached in %s", cache)
    return base


def contact_sheet(crops: list[np.ndarray], captions: list[str], path: Path, count: int = 24, columns: int = 6,
                  tile: int = 192, seed: int = 0) -> list[int]:
    """Write a PNG of ``count`` random crops with captions (to check by eye that they are knees); returns their
    indices."""
    import cv2

    picks = sorted(np.random.default_rng(seed).choice(len(crops), min(count, len(crops)), replace=False).tolist())
    tiles = []
    for i in picks:
        square = cv2.resize(crops[i], (tile, tile), interpolation=cv2.INTER_AREA)
        cv2.putText(square, captions[i], (3, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.42, 255, 1, cv2.LINE_AA)
        tiles.append(square)
    while len(tiles) % columns:
        tiles.append(np.zeros((tile, tile), np.uint8))
    rows = [np.hstack(tiles[i:i + columns]) for i in range(0, len(tiles), columns)]
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.vstack(rows))
    return picks
