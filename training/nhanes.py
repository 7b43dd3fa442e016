"""Load the NHANES extract (questionnaire, body measures, hip DXA) as validated model inputs and outcomes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from osteo_core.clinical.features import model_inputs
from osteo_core.clinical.validate import validate_frame
from osteo_core.cohort.columns import map_columns

LABEL = "osteoporosis_dxa_hip"
T_SCORE = "fn_t_score"
# Never predictors: outcomes (DXA, self-report), treatment that follows a diagnosis, survey design columns.
EXCLUDED = ("osteoporosis_selfreport", "osteoporosis_rx", "exam_weight", "interview_weight", "psu", "stratum",
            "fn_bmd_g_cm2", "total_hip_bmd_g_cm2", "fn_t_score", "total_hip_t_score", "osteoporosis_dxa_hip")


@dataclass(frozen=True)
class NhanesRows:
    """Participants with a valid hip DXA scan: model inputs, validated canonical values (for the screening tools),
    DXA osteoporosis (0/1), femoral-neck T-score and the raw rows, all row-aligned."""

    inputs: pd.DataFrame
    values: pd.DataFrame
    labels: np.ndarray
    t_scores: np.ndarray
    raw: pd.DataFrame


def load_nhanes(path: Path) -> NhanesRows:
    """Rows with a complete hip DXA scan and valid required fields (age, sex, weight, height).

    ``alcohol_drinks_per_day`` is asked only of people who drank in the past 12 months, so a missing value means
    a non-drinker and is set to 0 drinks/day (missing not at random; imputing the mean would be wrong).
    Raises ``FileNotFoundError`` when the file is absent, ``ValueError`` when participants repeat.
    """
    raw = pd.read_csv(path)
    if raw["SEQN"].duplicated().any():
        raise ValueError("NHANES extract has duplicate participants (SEQN); splits would not be patient-level")
    raw = raw[raw[LABEL].notna() & raw[T_SCORE].notna()].reset_index(drop=True)
    raw["alcohol_drinks_per_day"] = raw["alcohol_drinks_per_day"].fillna(0.0)
    mapping = map_columns([c for c in raw.columns if c not in EXCLUDED])
    checked = validate_frame(raw[list(mapping.mapping)].rename(columns=mapping.mapping))
    keep = checked.valid.to_numpy()
    values = checked.values[keep].reset_index(drop=True)
    kept = raw[keep].reset_index(drop=True)
    return NhanesRows(inputs=model_inputs(values), values=values, labels=kept[LABEL].astype(int).to_numpy(),
                      t_scores=kept[T_SCORE].to_numpy(dtype="float64"), raw=kept)
