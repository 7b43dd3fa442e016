"""Latency of an image model (p50/p95 per image, with and without Grad-CAM, and batch throughput), written into
the evaluation files by the export scripts and reported by ``benchmarks/image_latency.py``."""

from __future__ import annotations

import os
import platform
import time
from datetime import UTC, datetime

import numpy as np


def latency_heading(latency: dict) -> str:
    """Bold card heading naming what was timed and on what machine: the LiteRT export the app serves, or the Keras
    model (files from before the LiteRT runtime carry no ``runtime`` and were Keras)."""
    if latency.get("runtime") == "litert":
        return f"**Latency through the served LiteRT export** ({latency['machine']})"
    return (f"**Latency of the Keras model** ({latency['machine']}; the app runs its LiteRT export: see *Serving "
            "runtime*)")


def _percentiles(samples: list[float]) -> dict[str, float]:
    p50, p95 = np.percentile(samples, [50, 95])
    return {"p50_ms": round(float(p50), 1), "p95_ms": round(float(p95), 1)}


def measure_latency(grader, images: list[np.ndarray], batch: int = 32) -> dict:
    """Per-image latency of ``grader.predict`` (preprocessing included) and of predict + Grad-CAM of the predicted
    class, after a warm-up, plus throughput for batches of ``batch``. ``grader`` is any image model with
    ``predict(list_of_images)`` and ``heatmap(image)`` (the knee grader, the bone-density model)."""
    grader.predict(images[:1])
    grader.heatmap(images[0])
    alone, with_cam = [], []
    for image in images:
        tick = time.perf_counter()
        grader.predict([image])
        alone.append(1000 * (time.perf_counter() - tick))
        tick = time.perf_counter()
        grader.predict([image])
        grader.heatmap(image)
        with_cam.append(1000 * (time.perf_counter() - tick))
    stack = (images * (batch // len(images) + 1))[:batch]
    grader.predict(stack)
    tick = time.perf_counter()
    rounds = 3
    for _ in range(rounds):
        grader.predict(stack)
    throughput = rounds * batch / (time.perf_counter() - tick)
    return {
        "images": len(images), "predict": _percentiles(alone), "predict_with_gradcam": _percentiles(with_cam),
        "batch_size": batch, "batch_images_per_second": round(throughput, 1),
        "runtime": getattr(grader, "runtime", "keras"),  # "litert" when measured through the served export
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, CPU only",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }
