"""The fused NumPy predictor must equal the scikit-learn model, and fall back for unknown model layouts."""

import numpy as np
import pandas as pd

from osteo_core.clinical.features import MODEL_FEATURES
from osteo_core.clinical.risk_model import RiskModel, load_risk_model
from osteo_core.cohort.fast_predict import cohort_predictor, fast_model


def _inputs(n: int = 5000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "age": rng.uniform(18, 110, n), "female": rng.integers(0, 2, n).astype(float),
        "race": rng.integers(0, 6, n).astype(float), "weight_kg": rng.uniform(30, 200, n),
        "height_cm": rng.uniform(120, 200, n), "prior_fracture": rng.integers(0, 2, n) * 1.0,
        "parent_hip_fracture": rng.integers(0, 2, n) * 1.0, "glucocorticoids": rng.integers(0, 2, n) * 1.0,
        "smoker_current": rng.integers(0, 2, n) * 1.0, "alcohol_drinks_per_day": rng.uniform(0, 10, n),
    })
    return frame.mask(rng.random(frame.shape) < 0.2)


def test_fast_predictor_equals_the_model_including_unknown_values():
    model = load_risk_model()
    inputs = _inputs()
    predictor = cohort_predictor(model)
    assert predictor != model.predict
    np.testing.assert_allclose(predictor(inputs), model.predict(inputs), rtol=0, atol=1e-12)
    matrix = inputs[list(MODEL_FEATURES)].to_numpy()
    np.testing.assert_allclose(fast_model(model).predict_matrix(matrix), model.predict_matrix(matrix), atol=1e-12)
    assert len(predictor(inputs.iloc[:0])) == 0


def test_unknown_model_layout_falls_back_to_its_own_predict():
    class Constant:
        classes_ = np.array([0, 1])

        def predict_proba(self, matrix):
            return np.tile([0.7, 0.3], (len(matrix), 1))

    model = RiskModel(pipeline=Constant(), background=pd.DataFrame())
    predictor = cohort_predictor(model)
    assert np.allclose(predictor(_inputs(10)), 0.3)
    assert fast_model(model) is model
