"""knee_bone_density: patients with a DXA T-score, clinical facts and (for 210) a knee radiograph; and the knee
template of the crop detector, from the KL backbone's own training knees."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from osteo_core.imaging.read import read_radiograph

CLASSES = ("normal", "osteopenia", "osteoporosis")
# Facts the app's patient schema can also collect, so a fused model could be used on the page. Others in the source
# (smoking, diabetes, thyroid, walking distance, free-text diet/history) are sparse, free text or not asked by the app.
CLINICAL_COLUMNS = ("age", "female", "bmi", "postmenopausal", "prior_fracture")


def load_patients(root: Path) -> pd.DataFrame:
    """Patients with an image, with derived columns: female, postmenopausal, prior_fracture, label (0–2)."""
    table = pd.read_csv(root / "patients.csv")
    table = table[table["image"].notna()].reset_index(drop=True)
    table["female"] = (table["sex"] == "female").astype(float)
    table["postmenopausal"] = table["menopause_age"].notna().astype(float)
    table["prior_fracture"] = (table["fracture_history"].astype(str).str.lower() != "no").astype(float)
    table["label"] = table["diagnosis"].map({name: k for k, name in enumerate(CLASSES)}).astype(int)
    return table


def load_images(root: Path, table: pd.DataFrame) -> list[np.ndarray]:
    """Grayscale uint8 radiographs in table order, through the shared reader."""
    return [read_radiograph(root / path) for path in table["image"]]


def knee_template(knee_kl_root: Path, cache: Path, every: int = 2) -> np.ndarray:
    """The crop detector's template (64 × 64 float32): mean of every ``every``-th knee of our KL training split
    (the knees the KL backbone learnt from; never our KL test patients), cached as ``cache`` (.npy).

    Raises FileNotFoundError when neither the cache nor ``knee_kl_root/labels.csv`` exists.
    """
    from osteo_core.imaging.knee_crop import build_knee_template
    from osteo_core.imaging.preprocess import letterbox
    from training.knee_kl_data import assign_splits

    if cache.exists():
        return np.load(cache, allow_pickle=False)
    labels = pd.read_csv(knee_kl_root / "labels.csv", dtype={"patient": str})
    paths = labels.loc[assign_splits(labels) == "train", "path"].iloc[::every]
    images = np.stack([letterbox(read_radiograph(knee_kl_root / p), 224) for p in paths])
    template = build_knee_template(images)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, template)
    return template
