"""Evaluate the best v2 checkpoint and, only if it beats the shipped grader on val, package it into models/knee_kl.

Usage: python -m training.export_knee_kl_v2 [--checkpoint artifacts/knee_kl_v2/best.keras] [--force]
       [--staging artifacts/knee_kl_v2/export] [--out models/knee_kl]
   or, for an ensemble (one Keras file, see training/kl_ensemble.py; each member with its training record):
       python -m training.export_knee_kl_v2 --member M1.keras --history H1 --member M2.keras --history H2 …

Everything is written to the staging folder first: model.keras (no optimizer state), manifest.json (same keys as
v1 plus ``tta`` and ``architecture``; input stays (224, 224, 1) in [0, 1]), evaluation.json, model_card.md. The
staged model is loaded back through the app's loader and must give the training code's probabilities. Decoding
(argmax / expected) and flip-TTA on/off are chosen on val; the conformal threshold is calibrated on val and its
coverage measured on our held-out test split. Then the staged files are copied over ``--out`` if the val accuracy
and QWK both beat those in ``--out``/evaluation.json (``--force`` overrides; a refusal exits with status 2).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from datetime import date
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from osteo_core.config import data_dir, models_dir  # noqa: E402
from osteo_core.conformal import calibrate_threshold, coverage_of, grade_sets  # noqa: E402
from osteo_core.imaging.kl_model import decode_grades  # noqa: E402
from osteo_core.metrics_ordinal import ordinal_metrics  # noqa: E402
from osteo_core.model_files import write_manifest  # noqa: E402

COVERAGE = 0.9
SHIPPED_FILES = ("model.keras", "manifest.json", "evaluation.json", "model_card.md", "training.log",
                 "training_history.json")


def beats(candidate: dict, shipped: dict | None) -> bool:
    """True when the candidate's val accuracy and QWK are both higher than the shipped model's (or none ships)."""
    if not shipped:
        return True
    return candidate["accuracy"] > shipped["accuracy"] and candidate["qwk"] > shipped["qwk"]


def tta_probs(model, images: np.ndarray, batch: int = 64) -> dict[str, np.ndarray]:
    """{'off': plain, 'on': mean with the horizontal flip} probabilities for uint8 (N, H, W) images."""
    from training.train_knee_kl_v2 import predict_probs

    plain = predict_probs(model, images, batch=batch)
    flipped = predict_probs(model, images[:, :, ::-1], batch=batch)
    return {"off": plain, "on": (plain + flipped) / 2}


def choose_view(grades: np.ndarray, views: dict[str, np.ndarray]) -> tuple[str, str]:
    """(tta, decoding) with the highest val accuracy + QWK; ties prefer no TTA (faster) and argmax."""
    scores = {}
    for tta in ("off", "on"):
        for decoding in ("argmax", "expected"):
            m = ordinal_metrics(grades, decode_grades(views[tta], decoding))
            scores[(tta, decoding)] = round(m["accuracy"] + m["qwk"], 6)
    return max(scores, key=scores.get)


def save_for_runtime(model, folder: Path, metadata: dict) -> dict:
    """Write ``model.keras`` (compile=False copy, no optimizer state) and its manifest into ``folder``."""
    import keras

    folder.mkdir(parents=True, exist_ok=True)
    clean = keras.models.clone_model(model)
    clean.set_weights(model.get_weights())
    clean.save(folder / "model.keras")
    return write_manifest(folder, folder / "model.keras", metadata)


def runtime_gap(folder: Path, images: np.ndarray, expected: np.ndarray) -> float:
    """Largest absolute difference between the app loader's probabilities and ``expected`` on uint8 images."""
    from osteo_core.imaging.knee_grader import load_knee_grader

    load_knee_grader.cache_clear()
    grader = load_knee_grader(folder)
    got = np.concatenate([grader.predict_inputs(np.stack([grader.prepare(i) for i in images[k:k + 32]]))
                          for k in range(0, len(images), 32)])
    return float(np.abs(got - expected).max())


SINGLE = ("efficientnet-lite0", "EfficientNet-Lite0 (ImageNet, fine-tuned), grey repeated to RGB inside the model")
ENSEMBLE = ("ensemble-mnv3s-efflite", "Ensemble (mean of probabilities) of MobileNetV3-Small trained from scratch "
            "(v1) and EfficientNet-Lite0/Lite1 graders (ImageNet, fine-tuned, v2); one Grad-CAM layer over every "
            "member's feature maps")


def _metadata(decoding: str, tta: str, threshold: float, architecture: tuple[str, str] = SINGLE) -> dict:
    return {
        "name": "knee_kl", "version": f"{date.today().isoformat()}-{architecture[0]}-224",
        "task": "Kellgren-Lawrence grade 0-4 of a knee radiograph (osteoarthritis, not bone density)",
        "architecture": architecture[1],
        "input_size": 224, "clahe": False, "decoding": decoding, "labels": [0, 1, 2, 3, 4],
        "tta": "horizontal_flip" if tta == "on" else "none",
        "conformal": {"threshold": round(threshold, 6), "coverage": COVERAGE},
        "preprocessing": "osteo_core.imaging.preprocess.prepare_for_model (grayscale, letterbox, [0, 1])",
    }


def _training_summary(work: Path) -> dict:
    state = json.loads((work / "state.json").read_text())
    rows = state["history"]
    return {"epochs": state["epoch"], "best_epoch": state["best"]["epoch"],
            "minutes": round(sum(r["epoch_min"] for r in rows), 1),
            "train_img_s": round(float(np.mean([r["train_img_s"] for r in rows])), 2),
            "freeze_blocks": int(state["config"]["freeze_blocks"]), "config": state["config"]}


def _ensemble_summary(members: list[Path], histories: list[Path]) -> dict:
    """Training record of an ensemble: each member's file, parameters and training summary (from a v2
    ``state.json`` or a v1 ``evaluation.json``)."""
    out = []
    for path, history in zip(members, histories, strict=True):
        history, _sep, epoch = str(history).partition("@")  # "state.json@8": the member is that run's epoch 8
        history = Path(history)
        record = json.loads(history.read_text())
        if "history" in record:  # a v2 state.json
            rows = [r for r in record["history"] if not epoch or r["epoch"] <= int(epoch)]
            record = {**record, "epoch": rows[-1]["epoch"]}
            summary = {"epochs": record["epoch"], "minutes": round(sum(r["epoch_min"] for r in rows), 1),
                       "train_img_s": round(float(np.mean([r["train_img_s"] for r in rows])), 2),
                       "config": record["config"], "val_by_epoch": {r["epoch"]: r["val"]["plain"]["argmax"]
                                                                    for r in rows}}
        else:  # a v1 evaluation.json
            summary = {**record["training"], "version": record["model"]["version"]}
        out.append({"file": str(path), "history": str(history), **summary})
    return {"members": out, "minutes": round(sum(m["minutes"] for m in out), 1)}


def evaluate(model, splits: dict, training: dict, staging: Path, faithfulness_images: int,
             architecture: tuple[str, str] = SINGLE) -> dict:
    """Stage the model and its evaluation; returns the evaluation dict."""
    from osteo_core.imaging.knee_grader import load_knee_grader
    from training.evaluate_knee_kl import faithfulness
    from training.knee_kl_data import TEST_PATIENT_FRACTION
    from training.latency import measure_latency

    views = {name: tta_probs(model, splits[name][0]) for name in ("val", "test")}
    tta, decoding = choose_view(splits["val"][1], views["val"])
    probs = {name: views[name][tta] for name in views}
    metrics = {name: ordinal_metrics(splits[name][1], decode_grades(probs[name], decoding)) for name in probs}
    threshold = calibrate_threshold(probs["val"], splits["val"][1], COVERAGE)
    conformal = {"coverage": COVERAGE, "threshold": round(threshold, 6), "calibrated_on": "val"}
    for name in ("val", "test"):
        ranges = grade_sets(probs[name], threshold)
        conformal[f"{name}_coverage"] = round(coverage_of(ranges, splits[name][1]), 4)
        conformal[f"{name}_mean_set_size"] = round(float(np.mean([hi - lo + 1 for lo, hi in ranges])), 3)
    metadata = _metadata(decoding, tta, threshold, architecture)
    save_for_runtime(model, staging, metadata)
    gap = runtime_gap(staging, splits["test"][0][:64], probs["test"][:64])
    if gap > 1e-4:
        raise RuntimeError(f"the app loader's probabilities differ from training's by {gap:.2e}")
    grader = load_knee_grader(staging)
    latency = measure_latency(grader, list(splits["test"][0][:40]))
    sample = np.random.default_rng(0).choice(len(splits["test"][1]), faithfulness_images, replace=False)
    inputs = splits["test"][0][sample][..., None].astype("float32") / 255.0
    predicted = decode_grades(model.predict(inputs, verbose=0), "argmax")
    faith = {m: faithfulness(model, inputs, predicted, m) for m in ("gradcam", "gradcam++")}
    flip = {name: {view: {k: round(float(v), 4) for k, v in ordinal_metrics(
        splits[name][1], decode_grades(views[name][view], decoding)).items() if k in ("accuracy", "qwk", "mae")}
        for view in ("off", "on")} for name in ("val", "test")}
    evaluation = {
        "model": metadata, "val": metrics["val"], "test": metrics["test"], "flip_tta": flip,
        "splits": {k: int(len(v[1])) for k, v in splits.items()},
        "test_split": f"{TEST_PATIENT_FRACTION:.0%} of train patients, both knees of a patient together",
        "conformal": conformal, "latency": latency, "runtime_max_abs_difference": gap,
        "faithfulness": {"images": int(len(sample)), "target": "predicted grade", "steps": 10,
                         "baseline": "Gaussian-blurred image", **faith},
        "training": training,
        "weights_mb": round((staging / "model.keras").stat().st_size / 2**20, 2),
    }
    return evaluation


def _write_member_records(histories: list[Path], staging: Path) -> None:
    """training_history.json: every member's training record; training.log: every member's log (the file named
    ``training.log`` / ``train.log`` beside each record), one after the other under a header."""
    histories = [Path(str(h).partition("@")[0]) for h in histories]
    records = {str(h): json.loads(h.read_text()) for h in histories}
    (staging / "training_history.json").write_text(json.dumps(records, indent=1) + "\n")
    parts = []
    for history in histories:
        for name in ("training.log", "train.log"):
            if (history.parent / name).exists():
                parts.append(f"===== {history.parent / name} =====\n{(history.parent / name).read_text()}")
                break
    (staging / "training.log").write_text("\n".join(parts))


def main() -> None:
    import keras

    from training.train_knee_kl_v2 import cached_splits

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=data_dir() / "knee_kl")
    parser.add_argument("--work", type=Path, default=Path("artifacts/knee_kl_v2"))
    parser.add_argument("--checkpoint", type=Path, default=None)
    parser.add_argument("--staging", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=models_dir() / "knee_kl")
    parser.add_argument("--member", type=Path, action="append", default=[],
                        help="an ensemble member (repeat; replaces --checkpoint)")
    parser.add_argument("--history", type=Path, action="append", default=[],
                        help="each member's training record: a v2 state.json (PATH@EPOCH when the member is an "
                             "earlier epoch than the run's last) or a v1 evaluation.json")
    parser.add_argument("--faithfulness-images", type=int, default=40)
    parser.add_argument("--limit", type=int, default=None, help="images per split, for a smoke run (never ships)")
    parser.add_argument("--force", action="store_true", help="ship even if it does not beat the shipped model")
    args = parser.parse_args()
    staging = args.staging or args.work / "export"
    splits = cached_splits(args.data, args.work, 224, args.limit)
    if args.member:
        from training.kl_ensemble import build_ensemble, check_ensemble

        if len(args.history) != len(args.member):
            parser.error("give one --history per --member")
        members = [keras.models.load_model(path, compile=False) for path in args.member]
        model = build_ensemble(members)
        gap = check_ensemble(model, members, splits["test"][0][:64])
        if gap > 1e-5:
            raise RuntimeError(f"the ensemble differs from the mean of its members by {gap:.2e}")
        training, architecture = _ensemble_summary(args.member, args.history), ENSEMBLE
    else:
        model = keras.models.load_model(args.checkpoint or args.work / "best.keras", compile=False)
        training, architecture = _training_summary(args.work), SINGLE
    evaluation = evaluate(model, splits, training, staging, args.faithfulness_images, architecture)
    shipped_path = args.out / "evaluation.json"
    shipped = json.loads(shipped_path.read_text())["val"] if shipped_path.exists() else None
    evaluation["previous_val"] = {k: shipped[k] for k in ("accuracy", "qwk", "mae")} if shipped else None
    from training.knee_kl_v2_card import write_knee_v2_card

    (staging / "evaluation.json").write_text(json.dumps(evaluation, indent=2) + "\n")
    write_knee_v2_card(staging / "model_card.md", evaluation)
    if args.member:
        _write_member_records(args.history, staging)
    else:
        shutil.copy(args.work / "train.log", staging / "training.log")
        shutil.copy(args.work / "state.json", staging / "training_history.json")
    summary = {k: {m: round(float(evaluation[k][m]), 4) for m in ("accuracy", "qwk", "mae")} for k in ("val", "test")}
    print(json.dumps({"staged": str(staging), **summary, "previous_val": evaluation["previous_val"],
                      "conformal": evaluation["conformal"], "tta": evaluation["model"]["tta"]}, indent=1))
    if args.limit is not None:
        print("smoke run (--limit): staged only, never shipped")
        return
    if not (beats(evaluation["val"], shipped) or args.force):
        print(f"not shipped: val does not beat {shipped_path} (use --force to override)", file=sys.stderr)
        sys.exit(2)
    args.out.mkdir(parents=True, exist_ok=True)
    for name in SHIPPED_FILES:
        shutil.copy(staging / name, args.out / name)
    print(f"shipped to {args.out}")


if __name__ == "__main__":
    main()
