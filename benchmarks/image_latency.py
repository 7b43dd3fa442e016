"""Latency of an image model: p50/p95 per image (prediction alone and with Grad-CAM) and batch throughput.

Usage: python benchmarks/image_latency.py [--model knee_kl|bone_density_knee] [--images 40] [--out FILE]
Uses synthetic radiograph-like images, so it runs without the real data.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from training.latency import measure_latency  # noqa: E402  (re-exported for older callers)


def synthetic_images(count: int, size: int = 224, seed: int = 0) -> list[np.ndarray]:
    """Radiograph-like uint8 images (dark background, two bright bone shapes, noise)."""
    rng = np.random.default_rng(seed)
    images = []
    for _ in range(count):
        image = np.full((size, size), 30.0)
        gap = rng.integers(4, 20)
        image[: size // 2 - gap, size // 4: 3 * size // 4] = rng.integers(140, 200)
        image[size // 2 + gap:, size // 4: 3 * size // 4] = rng.integers(140, 200)
        images.append(np.clip(image + rng.normal(0, 10, image.shape), 0, 255).astype(np.uint8))
    return images


def main() -> None:
    from osteo_core.imaging.bone_density import load_bone_density_model
    from osteo_core.imaging.knee_grader import load_knee_grader

    loaders = {"knee_kl": load_knee_grader, "bone_density_knee": load_bone_density_model}
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=list(loaders), default="knee_kl")
    parser.add_argument("--images", type=int, default=40)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    args.out = args.out or ROOT / "benchmarks" / "results" / f"{args.model}_latency.json"
    result = {"model": args.model} | measure_latency(loaders[args.model](), synthetic_images(args.images))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
