"""Evaluate the trained KL grader and write what ships: model.keras (no optimizer state), manifest.json
(preprocessing, decoding, conformal threshold), evaluation.json and model_card.md.

Usage: python -m training.evaluate_knee_kl [--checkpoint models/knee_kl/model.keras]

Decoding (argmax or rounded expected grade) is chosen on val QWK; the conformal threshold is calibrated on val;
our own patient-level test split (10 % of train patients, never used for training or selection) gives the honest
figures.
"""

from __future__ import annotations

import argparse
import json
import os
from datetime import date
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from osteo_core.config import data_dir, models_dir  # noqa: E402
from osteo_core.conformal import calibrate_threshold, coverage_of, grade_sets  # noqa: E402
from osteo_core.explain.faithfulness import deletion_insertion  # noqa: E402
from osteo_core.imaging.kl_model import LAST_CONV_LAYER, decode_grades  # noqa: E402
from osteo_core.imaging.knee_grader import KneeGrader  # noqa: E402
from osteo_core.metrics_ordinal import ordinal_metrics  # noqa: E402
from osteo_core.model_files import write_manifest  # noqa: E402
from training.knee_kl_card import write_knee_card  # noqa: E402
from training.knee_kl_data import TEST_PATIENT_FRACTION, load_knee_kl  # noqa: E402
from training.latency import measure_latency  # noqa: E402

COVERAGE = 0.9


def faithfulness(model, inputs: np.ndarray, grades: np.ndarray, method: str) -> dict[str, float]:
    """Mean deletion/insertion AUCs of a CAM method vs a random pixel order over ``inputs`` (N, H, W, 1)."""
    from osteo_core.explain.gradcam import make_cam

    cam = make_cam(model, LAST_CONV_LAYER, method)
    rows = []
    for image, grade in zip(inputs, grades, strict=True):
        maps, _ = cam(image[None], int(grade))
        rows.append(deletion_insertion(lambda b: model.predict(b, verbose=0, batch_size=32), image, maps[0],
                                       int(grade), steps=10))
    return {key: round(float(np.mean([r[key] for r in rows])), 4) for key in rows[0]}


def main() -> None:
    import keras

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=data_dir() / "knee_kl")
    parser.add_argument("--out", type=Path, default=models_dir() / "knee_kl")
    parser.add_argument("--checkpoint", type=Path, default=None)
    parser.add_argument("--faithfulness-images", type=int, default=40)
    args = parser.parse_args()
    checkpoint = args.checkpoint or args.out / "model.keras"
    model = keras.models.load_model(checkpoint, compile=False)
    size = int(model.input_shape[1])
    splits = load_knee_kl(args.data, size)
    inputs = {k: (v.images[..., None].astype("float32") / 255.0) for k, v in splits.items() if k != "train"}
    probs = {k: model.predict(x, batch_size=64, verbose=0) for k, x in inputs.items()}

    decodings = {d: ordinal_metrics(splits["val"].grades, decode_grades(probs["val"], d))["qwk"]
                 for d in ("argmax", "expected")}
    decoding = max(decodings, key=decodings.get)
    metrics = {k: ordinal_metrics(splits[k].grades, decode_grades(p, decoding)) for k, p in probs.items()}
    threshold = calibrate_threshold(probs["val"], splits["val"].grades, COVERAGE)
    conformal = {"coverage": COVERAGE, "threshold": round(threshold, 6), "calibrated_on": "val"}
    for name in ("val", "test"):
        ranges = grade_sets(probs[name], threshold)
        conformal[f"{name}_coverage"] = round(coverage_of(ranges, splits[name].grades), 4)
        conformal[f"{name}_mean_set_size"] = round(float(np.mean([hi - lo + 1 for lo, hi in ranges])), 3)

    shipped = args.out / "model.keras"
    model.save(shipped)  # compile=False: no optimizer state, smaller file
    history_path = args.out / "training_history.json"
    history = json.loads(history_path.read_text()) if history_path.exists() else {}
    metadata = {
        "name": "knee_kl", "version": f"{date.today().isoformat()}-mobilenetv3s-{size}",
        "task": "Kellgren-Lawrence grade 0-4 of a knee radiograph (osteoarthritis, not bone density)",
        "input_size": size, "clahe": False, "decoding": decoding, "labels": [0, 1, 2, 3, 4],
        "conformal": {"threshold": conformal["threshold"], "coverage": COVERAGE},
        "preprocessing": "osteo_core.imaging.preprocess.prepare_for_model (grayscale, letterbox, [0, 1])",
    }
    write_manifest(args.out, shipped, metadata)
    from osteo_core.imaging.knee_grader import load_knee_grader

    grader = load_knee_grader(args.out)
    assert isinstance(grader, KneeGrader)
    latency = measure_latency(grader, list(splits["test"].images[:40]))
    sample = np.random.default_rng(0).choice(len(inputs["test"]), args.faithfulness_images, replace=False)
    test_pred = decode_grades(probs["test"][sample], "argmax")
    faith = {m: faithfulness(model, inputs["test"][sample], test_pred, m) for m in ("gradcam", "gradcam++")}
    evaluation = {
        "model": metadata, "decoding_val_qwk": decodings, "val": metrics["val"], "test": metrics["test"],
        "splits": {k: int(len(v.grades)) for k, v in splits.items()},
        "test_split": f"{TEST_PATIENT_FRACTION:.0%} of train patients, both knees of a patient together",
        "conformal": conformal, "latency": latency,
        "faithfulness": {"images": int(len(sample)), "target": "predicted grade", "steps": 10,
                         "baseline": "Gaussian-blurred image", **faith},
        "training": {k: history.get(k) for k in ("best_qwk", "best_epoch", "epoch")}
        | {"minutes": round(sum(r.get("seconds", 0) for r in history.get("history", [])) / 60, 1)},
        "weights_mb": round(shipped.stat().st_size / 2**20, 2),
    }
    (args.out / "evaluation.json").write_text(json.dumps(evaluation, indent=2) + "\n")
    write_knee_card(args.out / "model_card.md", evaluation)
    print(json.dumps({k: evaluation[k] for k in ("val", "test", "conformal", "faithfulness")}, indent=1))


if __name__ == "__main__":
    main()
