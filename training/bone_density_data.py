"""knee_bone_density: patients with a DXA T-score, clinical facts and (for 210) a knee radiograph."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from osteo_core.imaging.read import read_radiograph

CLASSES = ("normal", "osteopenia", "osteoporosis")
# Facts the app's patient schema can also collect, so a fused model could be used on the page.
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
