"""Load the NHANES osteoporosis questionnaire extract as validated model inputs and labels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from osteo_core.clinical.features import model_inputs
from osteo_core.clinical.validate import validate_frame
from osteo_core.cohort.columns import map_columns

LABEL = "osteoporosis_selfreport"
# Never predictors: the label itself, treatment that follows the diagnosis, survey design columns.
EXCLUDED = ("osteoporosis_selfreport", "osteoporosis_rx", "exam_weight", "interview_weight", "psu", "stratum")


def load_nhanes(path: Path) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    """Return (model inputs, labels 0/1, raw rows kept) for rows with a label and valid required fields.

    ``alcohol_drinks_per_day`` is asked only of people who drank in the past 12 months, so a missing value means
    a non-drinker and is set to 0 drinks/day (missing not at random; imputing the mean would be wrong).
    Raises ``FileNotFoundError`` when the file is absent.
    """
    raw = pd.read_csv(path)
    if raw["SEQN"].duplicated().any():
        raise ValueError("NHANES extract has duplicate participants (SEQN); splits would not be patient-level")
    raw = raw[raw[LABEL].notna()].reset_index(drop=True)
    raw["alcohol_drinks_per_day"] = raw["alcohol_drinks_per_day"].fillna(0.0)
    mapping = map_columns([c for c in raw.columns if c not in EXCLUDED])
    checked = validate_frame(raw[list(mapping.mapping)].rename(columns=mapping.mapping))
    keep = checked.valid.to_numpy()
    inputs = model_inputs(checked.values[keep]).reset_index(drop=True)
    labels = raw.loc[keep, LABEL].astype(int).to_numpy()
    return inputs, labels, raw[keep].reset_index(drop=True)
