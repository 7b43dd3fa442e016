"""Does test-time augmentation beyond the horizontal flip pay for the shipped KL grader? Probabilities of the served
ensemble (``models/knee_kl``, through its runtime) on val and our held-out test for a set of views of each knee
(flip, small zooms, shifts, gamma), then every subset of views up to ``--max-views`` (mean of probabilities, argmax)
chosen on val (accuracy + QWK) and reported on test. Also checks a decoding: thresholds on the expected grade tuned
for accuracy + QWK, on all of val (reported on test) and by repeated patient-level halves of val (tuned on one half,
measured on the other, against argmax).

Usage: python -m training.evaluate_kl_tta [--out artifacts/knee_kl_tta/tta.json] [--max-views 4]

Per-view probabilities are cached next to ``--out`` (keyed by the model version). Selection uses val only.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from osteo_core.config import data_dir
from osteo_core.imaging.kl_model import decode_grades
from osteo_core.imaging.knee_grader import load_knee_grader
from osteo_core.imaging.read import read_radiograph
from osteo_core.metrics_ordinal import headline_metrics, ordinal_metrics
from training.knee_kl_data import assign_splits


def _zoom(x: np.ndarray, factor: float) -> np.ndarray:
    """Zoom a (size, size) image about its centre: >1 crops and enlarges, <1 shrinks and pads with black."""
    size = x.shape[0]
    if factor >= 1:
        crop = round(size / factor)
        start = (size - crop) // 2
        return cv2.resize(x[start:start + crop, start:start + crop], (size, size), interpolation=cv2.INTER_LINEAR)
    small = round(size * factor)
    out = np.zeros_like(x)
    start = (size - small) // 2
    out[start:start + small, start:start + small] = cv2.resize(x, (small, small), interpolation=cv2.INTER_AREA)
    return out


def _shift(x: np.ndarray, dy: int, dx: int) -> np.ndarray:
    matrix = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(x, matrix, x.shape[::-1], borderMode=cv2.BORDER_REPLICATE)


BASE_VIEWS = {
    "identity": lambda x: x,
    "zoom_in_6": lambda x: _zoom(x, 1.06),
    "zoom_out_6": lambda x: _zoom(x, 0.94),
    "shift_up_8": lambda x: _shift(x, -8, 0),
    "shift_down_8": lambda x: _shift(x, 8, 0),
    "gamma_0.8": lambda x: np.power(x, 0.8),
    "gamma_1.25": lambda x: np.power(x, 1.25),
}


def _flipped(view):
    return lambda x: view(x)[:, ::-1]


VIEWS = BASE_VIEWS | {f"flip_{name}": _flipped(view) for name, view in BASE_VIEWS.items()}


def view_probs(grader, images: np.ndarray, view: str, batch: int = 32) -> np.ndarray:
    """(N, 5) probabilities of one view of prepared images (N, size, size, 1), no other augmentation."""
    transform = VIEWS[view]
    out = []
    for start in range(0, len(images), batch):
        chunk = np.stack([transform(x[:, :, 0]) for x in images[start:start + batch]])[..., None]
        out.append(grader.forward(np.ascontiguousarray(chunk, dtype=np.float32)))
    return np.concatenate(out)


def metrics(grades: np.ndarray, probs: np.ndarray) -> dict[str, float]:
    return headline_metrics(grades, decode_grades(probs, "argmax"))


def threshold_decode(probs: np.ndarray, thresholds: list[float]) -> np.ndarray:
    """Grades from the expected grade cut at 4 increasing thresholds."""
    return np.searchsorted(np.asarray(thresholds), probs @ np.arange(probs.shape[1]))


def tune_thresholds(probs: np.ndarray, grades: np.ndarray) -> list[float]:
    """Coordinate search (3 passes, step 0.02) of the 4 thresholds maximising accuracy + QWK."""
    def score(thresholds):
        m = ordinal_metrics(grades, threshold_decode(probs, thresholds))
        return m["accuracy"] + m["qwk"]

    best_t = [0.5, 1.5, 2.5, 3.5]
    best = score(best_t)
    for _ in range(3):
        for i in range(4):
            for value in np.arange(i - 0.2, i + 1.2, 0.02):
                candidate = list(best_t)
                candidate[i] = float(value)
                if candidate == sorted(candidate) and (s := score(candidate)) > best:
                    best, best_t = s, candidate
    return best_t


def threshold_check(probs: dict[str, np.ndarray], grades: dict[str, np.ndarray], patients: np.ndarray,
                    repeats: int = 20, seed: int = 0) -> dict:
    """Expected-grade thresholds tuned on val → test, and their gain over argmax on held-out halves of val."""
    thresholds = tune_thresholds(probs["val"], grades["val"])
    out = {"thresholds": [round(t, 2) for t in thresholds],
           "tuned_on_val": {split: headline_metrics(grades[split], threshold_decode(probs[split], thresholds))
                            for split in ("val", "test")},
           "argmax": {split: headline_metrics(grades[split], probs[split].argmax(axis=1)) for split in ("val", "test")}}
    rng = np.random.default_rng(seed)
    unique = np.unique(patients)
    gains = []
    for _ in range(repeats):
        half = np.isin(patients, rng.choice(unique, len(unique) // 2, replace=False))
        tuned = tune_thresholds(probs["val"][half], grades["val"][half])
        after = headline_metrics(grades["val"][~half], threshold_decode(probs["val"][~half], tuned))
        before = headline_metrics(grades["val"][~half], probs["val"][~half].argmax(axis=1))
        gains.append([after["accuracy"] - before["accuracy"], after["qwk"] - before["qwk"]])
    gains = np.asarray(gains)
    out["held_out_half_gain_over_argmax"] = {
        "repeats": repeats, "accuracy_mean": round(float(gains[:, 0].mean()), 4),
        "accuracy_sd": round(float(gains[:, 0].std()), 4), "qwk_mean": round(float(gains[:, 1].mean()), 4),
        "qwk_sd": round(float(gains[:, 1].std()), 4)}
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("artifacts/knee_kl_tta/tta.json"))
    parser.add_argument("--max-views", type=int, default=4)
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    grader = load_knee_grader()
    root = data_dir() / "knee_kl"
    labels = pd.read_csv(root / "labels.csv", dtype={"patient": str})
    labels["our_split"] = assign_splits(labels)
    probs: dict[str, dict[str, np.ndarray]] = {}
    grades = {}
    for split in ("val", "test"):
        rows = labels[labels["our_split"] == split]
        grades[split] = rows["kl_grade"].to_numpy(dtype=int)
        images = None
        probs[split] = {}
        for view in VIEWS:
            cache = args.out.parent / f"{grader.version}_{split}_{view}.npy"
            if not cache.exists():
                if images is None:
                    images = np.stack([grader.prepare(read_radiograph(root / p)) for p in rows["path"]])
                tick = time.perf_counter()
                np.save(cache, view_probs(grader, images, view))
                print(f"{split} {view}: {len(images) / (time.perf_counter() - tick):.1f} img/s", flush=True)
            probs[split][view] = np.load(cache)
    results = []
    for count in range(1, args.max_views + 1):
        for views in itertools.combinations(VIEWS, count):
            row = {"views": list(views)}
            for split in ("val", "test"):
                row[split] = metrics(grades[split], np.mean([probs[split][v] for v in views], axis=0))
            row["val_score"] = round(row["val"]["accuracy"] + row["val"]["qwk"], 4)
            results.append(row)
    results.sort(key=lambda r: -r["val_score"])
    shipped = next(r for r in results if sorted(r["views"]) == ["flip_identity", "identity"])
    flip = {split: np.mean([probs[split]["identity"], probs[split]["flip_identity"]], axis=0)
            for split in ("val", "test")}
    val_patients = labels.loc[labels["our_split"] == "val", "patient"].to_numpy()
    summary = {"model": grader.version, "runtime": grader.runtime, "selected_on": "val (accuracy + QWK)",
               "shipped_flip_tta": shipped, "best": results[0], "top10": results[:10],
               "single_views": [r for r in results if len(r["views"]) == 1],
               "expected_grade_thresholds": threshold_check(flip, grades, val_patients)}
    args.out.write_text(json.dumps(summary, indent=1) + "\n")
    print(json.dumps({"shipped": shipped, "best": results[0],
                      "expected_grade_thresholds": summary["expected_grade_thresholds"]}, indent=1))


if __name__ == "__main__":
    main()
