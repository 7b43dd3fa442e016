"""A made-up example cohort for trying the cohort page and for benchmarks (no real patients)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from osteo_core.clinical.risk_model import RiskModel
from osteo_core.i18n import _


def demo_cohort(rows: int = 2000, seed: int = 0, model: RiskModel | None = None, bad_share: float = 0.01
                ) -> pd.DataFrame:
    """``rows`` synthetic adults aged 40–80: id, age (years), sex, weight_kg, height_cm and five risk factors, with
    about ``bad_share`` rows made invalid (age 12). With ``model``, adds a synthetic ``outcome`` (0/1) drawn from
    the model's own probabilities, so evaluation charts have something to show; it is not real data.

    Raises ``ValueError`` for ``rows`` < 1.
    """
    if rows < 1:
        raise ValueError(_("rows must be at least 1; got {value}.").format(value=rows))
    rng = np.random.default_rng(seed)
    female = rng.random(rows) < 0.5
    frame = pd.DataFrame({
        "id": np.arange(1, rows + 1),
        "age": rng.integers(40, 81, rows),
        "sex": np.where(female, "female", "male"),
        "weight_kg": np.round(rng.normal(np.where(female, 70, 85), 14), 1).clip(35, 200),
        "height_cm": np.round(rng.normal(np.where(female, 161, 175), 7), 1),
        "prior_fracture": (rng.random(rows) < 0.15).astype(int),
        "parent_hip_fracture": (rng.random(rows) < 0.12).astype(int),
        "glucocorticoids": (rng.random(rows) < 0.05).astype(int),
        "smoker_current": (rng.random(rows) < 0.15).astype(int),
        "alcohol_drinks_per_day": rng.integers(0, 4, rows),
    })
    if model is not None:
        from osteo_core.clinical.features import model_inputs
        from osteo_core.clinical.validate import validate_frame

        risk = model.predict(model_inputs(validate_frame(frame).values))
        frame["outcome"] = (rng.random(rows) < risk).astype(int)
    frame.loc[rng.random(rows) < bad_share, "age"] = 12
    return frame
