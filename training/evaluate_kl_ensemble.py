"""Does an ensemble of KL graders beat the shipped one? Probabilities of each member on val and our held-out test,
with and without flip TTA; the equal-weight mean over every subset of members (what training/kl_ensemble.py
packages) chosen on val (accuracy + QWK), reported on val and test.

Usage: python -m training.evaluate_kl_ensemble --member models/knee_kl/model.keras
       --member training/checkpoints/knee_kl_v2/last.keras [--out artifacts/knee_kl_ensemble/search.json]

Members are full Keras models on a (224, 224, 1) input in [0, 1] (the runtime's input). Per-member probabilities are
cached as .npy next to ``--out`` (keyed by the member file's size and mtime), so re-runs only compute new members.
Selection uses val only; the test figures are the honest ones (weights, TTA and decoding were not chosen on them).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from osteo_core.config import data_dir  # noqa: E402
from osteo_core.imaging.kl_model import decode_grades  # noqa: E402
from osteo_core.metrics_ordinal import headline_metrics  # noqa: E402


def member_key(path: Path) -> str:
    stat = path.stat()
    return hashlib.sha256(f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:12]


def load_member(path: Path):
    """A full Keras model (.keras), or a v2 run's per-epoch ``epoch_NN.weights.h5`` rebuilt with that run's settings
    (``state.json`` beside it)."""
    import keras

    if str(path).endswith(".weights.h5"):
        from training.train_knee_kl_v2 import build_kl_v2_model

        config = json.loads((path.parent / "state.json").read_text())["config"]
        model = build_kl_v2_model(freeze_blocks=int(config["freeze_blocks"]),
                                  variant=config.get("variant", "lite0"))
        model.load_weights(path)
        return model
    return keras.models.load_model(path, compile=False)


def member_probs(path: Path, splits: dict[str, tuple[np.ndarray, np.ndarray]], cache: Path
                 ) -> dict[str, dict[str, np.ndarray]]:
    """{split: {'off': probs, 'on': flip-TTA probs}} for one member, cached under ``cache``."""
    from training.export_knee_kl_v2 import tta_probs

    key = member_key(path)
    out, model = {}, None
    for split, (images, _grades) in splits.items():
        files = {tta: cache / f"{key}_{split}_{tta}.npy" for tta in ("off", "on")}
        if all(f.exists() for f in files.values()):
            out[split] = {tta: np.load(f) for tta, f in files.items()}
            continue
        if model is None:
            model = load_member(path)
        out[split] = tta_probs(model, images)
        for tta, f in files.items():
            np.save(f, out[split][tta])
    return out


def metrics(grades: np.ndarray, probs: np.ndarray, decoding: str) -> dict[str, float]:
    return headline_metrics(grades, decode_grades(probs, decoding))


def weight_grid(members: int) -> list[tuple[float, ...]]:
    """Equal weights over every non-empty subset of the members (0 for the members left out)."""
    return [tuple(round(1 / sum(chosen), 6) if c else 0.0 for c in chosen)
            for chosen in itertools.product((0, 1), repeat=members) if any(chosen)]


def search(probs: list[dict[str, dict[str, np.ndarray]]], grades: dict[str, np.ndarray]) -> list[dict]:
    """Every (weights, TTA, decoding) with val and test metrics, best val accuracy + QWK first."""
    rows = []
    for weights in weight_grid(len(probs)):
        for tta in ("off", "on"):
            for decoding in ("argmax", "expected"):
                row = {"weights": weights, "tta": tta, "decoding": decoding}
                for split in grades:
                    mixed = sum(w * p[split][tta] for w, p in zip(weights, probs, strict=True))
                    row[split] = metrics(grades[split], mixed, decoding)
                row["val_score"] = round(row["val"]["accuracy"] + row["val"]["qwk"], 4)
                rows.append(row)
    return sorted(rows, key=lambda r: -r["val_score"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--member", type=Path, action="append", required=True)
    parser.add_argument("--data", type=Path, default=data_dir() / "knee_kl")
    parser.add_argument("--work", type=Path, default=Path("artifacts/knee_kl_v2"), help="where the image cache is")
    parser.add_argument("--out", type=Path, default=Path("artifacts/knee_kl_ensemble/search.json"))
    args = parser.parse_args()
    from training.train_knee_kl_v2 import cached_splits

    splits = cached_splits(args.data, args.work, 224, None)
    splits = {name: splits[name] for name in ("val", "test")}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    probs = [member_probs(path, splits, args.out.parent) for path in args.member]
    grades = {name: grades for name, (_images, grades) in splits.items()}
    rows = search(probs, grades)
    singles = [r for r in rows if max(r["weights"]) == 1.0]  # sorted best first, so reversed keeps each best
    report = {"members": [str(p) for p in args.member], "selected_on": "val (accuracy + QWK)",
              "best": rows[0], "top10": rows[:10],
              "best_single_member": {str(args.member[r["weights"].index(1.0)]): r for r in reversed(singles)}}
    args.out.write_text(json.dumps(report, indent=1))
    print(json.dumps({"best": rows[0], "singles": report["best_single_member"]}, indent=1))


if __name__ == "__main__":
    main()
