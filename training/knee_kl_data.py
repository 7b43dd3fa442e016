"""Load the knee_kl set (OAI knees with KL grades) into memory with a patient-level split of train.

Splits: ``train`` → our training part and our own ``test`` part (10 % of train *patients*, both knees of a patient
on the same side); the official ``val`` stays as the validation set used for model selection and conformal
calibration.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from osteo_core.imaging.preprocess import letterbox
from osteo_core.imaging.read import read_radiograph

TEST_PATIENT_FRACTION = 0.10
SPLIT_SEED = 20261125


@dataclass
class KneeSplit:
    """Images as ``uint8`` (N, size, size), grades 0–4 and the label rows they came from."""

    images: np.ndarray
    grades: np.ndarray
    rows: pd.DataFrame


def assign_splits(labels: pd.DataFrame) -> pd.Series:
    """Our split name for every row: 'train', 'test' (held-out train patients) or 'val' (official)."""
    train_patients = np.array(sorted(labels.loc[labels["split"] == "train", "patient"].astype(str).unique()))
    rng = np.random.default_rng(SPLIT_SEED)
    test_patients = set(rng.choice(train_patients, round(len(train_patients) * TEST_PATIENT_FRACTION),
                                   replace=False))
    ours = labels["split"].where(labels["split"] != "train", "train").copy()
    ours[(labels["split"] == "train") & labels["patient"].astype(str).isin(test_patients)] = "test"
    return ours


def load_knee_kl(root: Path, size: int = 224, limit: int | None = None) -> dict[str, KneeSplit]:
    """Read every image of ``root/labels.csv`` through the shared pipeline (read → letterbox to ``size``).

    Raises ``FileNotFoundError`` when the folder is absent.
    """
    labels = pd.read_csv(root / "labels.csv", dtype={"patient": str})
    labels["our_split"] = assign_splits(labels)
    out = {}
    for name in ("train", "val", "test"):
        rows = labels[labels["our_split"] == name].reset_index(drop=True)
        if limit:
            rows = rows.sample(min(limit, len(rows)), random_state=0).reset_index(drop=True)
        images = np.stack([letterbox(read_radiograph(root / p), size) for p in rows["path"]])
        out[name] = KneeSplit(images=images, grades=rows["kl_grade"].to_numpy(dtype=int), rows=rows)
    overlap = set(out["train"].rows["patient"]) & set(out["test"].rows["patient"])
    if overlap:
        raise RuntimeError(f"patient leak between train and test: {sorted(overlap)[:5]}")
    return out
