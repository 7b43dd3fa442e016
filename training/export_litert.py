"""Export the shipped Keras image models to their LiteRT serving files and check each export against Keras.

Usage: python -m training.export_litert [--models body_part_gate knee_kl bone_density_knee] [--images 24]
       [--latency]

For every model folder: writes ``model.tflite`` next to ``model.keras`` and adds the ``runtime`` entry (file,
checksum, largest measured differences) to ``manifest.json``. The check runs both on real radiographs from the
data folder (knee_kl val knees, knee bone-density knees, hand radiographs; prepared exactly as the app prepares
them) plus random-noise inputs; an export differing from Keras by more than ``TOLERANCE`` on any output, feature
map or Grad-CAM gradient is refused (exit status 2). The model card gets a "Serving runtime" section with the check
(and, with ``--latency``, the latency measured through the export, as the app runs it). Re-run after retraining any
of the three models: a model whose manifest names no runtime is served by Keras.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from osteo_core.config import data_dir, models_dir  # noqa: E402
from osteo_core.imaging.bone_density import BoneDensityModel  # noqa: E402
from osteo_core.imaging.gate import BodyPartGate  # noqa: E402
from osteo_core.imaging.keras_model import KerasImageModel, load_image_network, load_keras_model  # noqa: E402
from osteo_core.imaging.knee_crop import KneeCropper  # noqa: E402
from osteo_core.imaging.knee_grader import KneeGrader  # noqa: E402
from osteo_core.imaging.litert_export import TOLERANCE, export_model_folder, write_runtime_entry  # noqa: E402
from osteo_core.imaging.read import read_radiograph  # noqa: E402
from training.card_text import RUNTIME_END, RUNTIME_START, write_card_section  # noqa: E402
from training.latency import measure_latency  # noqa: E402

MODELS = {"body_part_gate": BodyPartGate, "knee_kl": KneeGrader, "bone_density_knee": BoneDensityModel}


def real_radiographs(root: Path, count: int) -> tuple[list[np.ndarray], str]:
    """Up to ``count`` real radiographs, a third each of knee_kl val knees, bone-density knees and hands (fewer
    when a data set is absent), and a description of them for the card."""
    sources = []
    knee_kl = root / "knee_kl" / "labels.csv"
    if knee_kl.is_file():
        rows = pd.read_csv(knee_kl)
        sources.append(("knee_kl val knees",
                        [root / "knee_kl" / p for p in rows.loc[rows["split"] == "val", "path"].sort_values()]))
    density = root / "knee_bone_density" / "patients.csv"
    if density.is_file():
        sources.append(("knee_bone_density knees", [root / "knee_bone_density" / p
                                                    for p in pd.read_csv(density)["image"].dropna().sort_values()]))
    hands = root / "hand_boneage" / "images"
    if hands.is_dir():
        sources.append(("hand radiographs", sorted(hands.iterdir())))
    per_source = max(1, count // max(1, len(sources)))
    chosen = [(name, paths[:: max(1, len(paths) // per_source)][:per_source]) for name, paths in sources]
    images = [read_radiograph(path) for _, paths in chosen for path in paths]
    described = ", ".join(f"{len(paths)} {name}" for name, paths in chosen if paths)
    return images, described


def checked_inputs(wrapper: KerasImageModel, radiographs: list[np.ndarray], noise: int, seed: int = 0) -> np.ndarray:
    """The model's own prepared inputs of the radiographs, plus ``noise`` uniform-noise inputs."""
    prepared = [wrapper.prepare(image) for image in radiographs]
    rng = np.random.default_rng(seed)
    prepared += [rng.random((wrapper.size, wrapper.size, 1), dtype=np.float32) for _ in range(noise)]
    return np.stack(prepared).astype(np.float32)


def _wrap(name: str, network, manifest: dict) -> KerasImageModel:
    folder = models_dir() / name
    cls = MODELS[name]
    if cls is BoneDensityModel:
        return cls(network, manifest, KneeCropper.from_manifest(folder, manifest))
    return cls(network, manifest)


def runtime_card_section(entry: dict) -> str:
    """The model card's "Serving runtime" section (between markers, replaced on every export), written only from the
    manifest's ``runtime`` entry: the check's differences, what it was checked on and, when measured, the latency."""
    differences = entry["max_difference"]
    real = entry.get("checked_on") or "none"
    latency = entry.get("latency")
    checked = (f"largest difference on the outputs {differences['outputs']:.2g} (absolute)"
               + (f", on the Grad-CAM feature map {differences['features']:.2g} and its gradients "
                  f"{differences['gradients']:.2g} (relative to their largest value)" if "features" in differences
                  else ""))
    lines = [RUNTIME_START, "## Serving runtime", "",
             f"The app and the command line run `{entry['file']}`, a LiteRT export of `model.keras` written by "
             "`python -m training.export_litert` (TensorFlow is not needed to run it; loading takes a fraction of a "
             "second instead of seconds). The export was checked against the Keras model on "
             f"{entry['checked_images']} inputs (real radiographs prepared as the app prepares them: {real}; the "
             f"rest random noise): {checked}. `OSTEO_IMAGE_RUNTIME=keras` runs the Keras model instead."]
    if latency:
        lines += ["", f"**Latency through this runtime** ({latency['machine']}, {latency['images']} real "
                      f"radiographs, {latency['date'][:10]}): prediction p50 {latency['predict']['p50_ms']} ms, "
                      f"p95 {latency['predict']['p95_ms']} ms; with Grad-CAM p50 "
                      f"{latency['predict_with_gradcam']['p50_ms']} ms, p95 {latency['predict_with_gradcam']['p95_ms']}"
                      f" ms; batches of {latency['batch_size']}: {latency['batch_images_per_second']} images/s."]
    return "\n".join(lines + [RUNTIME_END])


def export_one(name: str, radiographs: list[np.ndarray], noise: int, latency: bool = False,
               described: str | None = None) -> dict:
    folder = models_dir() / name
    model, manifest = load_keras_model(folder, name)
    cls = MODELS[name]
    images = checked_inputs(_wrap(name, model, manifest), radiographs, noise)
    started = time.perf_counter()
    entry = export_model_folder(folder, model, images, cls.cam_layer, cls.cam_output, cls.cam_on_logits)
    print(f"{name}: {entry['file']} ({(folder / entry['file']).stat().st_size / 1e6:.1f} MB) in "
          f"{time.perf_counter() - started:.0f} s; checked on {len(images)} inputs, largest LiteRT − Keras "
          f"difference (outputs absolute, features and gradients relative): {entry['max_difference']}")
    entry["checked_on"] = described or f"{len(radiographs)} images"
    if latency and radiographs and cls is not BodyPartGate:  # the gate's latency is in its own card
        network, manifest = load_image_network(folder, name)
        entry["latency"] = measure_latency(_wrap(name, network, manifest), radiographs)
        print(f"{name}: latency through LiteRT {json.dumps(entry['latency'])}")
    write_runtime_entry(folder, entry)  # the card below shows only what the manifest records
    write_card_section(folder / "model_card.md", runtime_card_section(entry))
    return entry


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--images", type=int, default=24, help="real radiographs to check each export on")
    parser.add_argument("--noise", type=int, default=4, help="random-noise inputs added to the check")
    parser.add_argument("--latency", action="store_true",
                        help="measure the latency through the export on the real radiographs (for the card)")
    args = parser.parse_args(argv)
    radiographs, described = real_radiographs(data_dir(), args.images)
    if not radiographs:
        print(f"note: no real radiographs under {data_dir()}; checking on noise only", file=sys.stderr)
    for name in args.models:
        try:
            export_one(name, radiographs, args.noise if radiographs else max(args.noise, 8), args.latency, described)
        except ValueError as exc:
            print(f"{name}: export refused (tolerance {TOLERANCE:.0e}): {exc}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
