"""Write a synthetic cohort CSV: age, sex, weight, height and five risk-factor columns (no real patients)."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd


def make_cohort(rows: int, seed: int = 0) -> pd.DataFrame:
    """A synthetic table of ``rows`` adults with plausible values and about 1 % invalid rows."""
    rng = np.random.default_rng(seed)
    female = rng.random(rows) < 0.5
    frame = pd.DataFrame({
        "id": np.arange(rows),
        "age": rng.integers(40, 81, rows),
        "sex": np.where(female, "female", "male"),
        "weight_kg": np.round(rng.normal(np.where(female, 70, 85), 14), 1),
        "height_cm": np.round(rng.normal(np.where(female, 161, 175), 7), 1),
        "prior_fracture": rng.integers(0, 2, rows),
        "parent_hip_fracture": rng.integers(0, 2, rows),
        "glucocorticoids": (rng.random(rows) < 0.05).astype(int),
        "smoker_current": (rng.random(rows) < 0.15).astype(int),
        "alcohol_drinks_per_day": rng.integers(0, 4, rows),
    })
    bad = rng.random(rows) < 0.01
    frame.loc[bad, "age"] = 12
    return frame


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("rows", type=int)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    make_cohort(args.rows).to_csv(args.out, index=False)
