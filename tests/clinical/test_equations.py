"""The clinical model's equations: design, imputation, directions fixed by physiology, file round trip."""

import json

import numpy as np
import pytest

from osteo_core.clinical.equations import (
    DESIGN_COLUMNS,
    ClinicalEquations,
    design_matrix,
    fit_imputation,
)
from osteo_core.clinical.features import MODEL_FEATURES
from osteo_core.clinical.risk_model import load_risk_model, model_folder

COL = {name: i for i, name in enumerate(MODEL_FEATURES)}


def _rows(n: int, **fixed) -> np.ndarray:
    rng = np.random.default_rng(0)
    matrix = np.column_stack([
        rng.uniform(50, 80, n), rng.integers(0, 2, n), rng.integers(0, 6, n), rng.uniform(45, 110, n),
        rng.uniform(150, 190, n), rng.integers(0, 2, n), rng.integers(0, 2, n), rng.integers(0, 2, n),
        rng.integers(0, 2, n), rng.uniform(0, 5, n),
    ]).astype("float64")
    for name, value in fixed.items():
        matrix[:, COL[name]] = value
    return matrix


def test_design_matrix_has_one_column_per_design_name_and_fills_unknown_facts():
    matrix = _rows(20)
    fill = fit_imputation(matrix)
    matrix[3, COL["smoker_current"]] = np.nan
    matrix[4, COL["race"]] = np.nan
    design = design_matrix(matrix, fill)
    assert design.shape == (20, len(DESIGN_COLUMNS))
    assert design[3, DESIGN_COLUMNS.index("smoker_current")] == pytest.approx(fill.facts["smoker_current"])
    race_cols = [i for i, c in enumerate(DESIGN_COLUMNS) if c.startswith("race_")]
    assert design[4, race_cols] == pytest.approx(fill.race_shares[1:])
    assert np.isfinite(design).all()


def test_design_matrix_refuses_missing_required_facts():
    matrix = _rows(3)
    matrix[1, COL["weight_kg"]] = np.nan
    with pytest.raises(ValueError, match="required"):
        design_matrix(matrix, fit_imputation(_rows(3)))


@pytest.mark.parametrize("female", [0.0, 1.0])
def test_shipped_model_never_raises_risk_with_more_weight(female):
    model = load_risk_model()
    for age in (50, 65, 80):
        for height in (150, 170, 190):
            grid = _rows(1, age=age, female=female, height_cm=height, race=0, prior_fracture=0,
                         parent_hip_fracture=0, glucocorticoids=0, smoker_current=0, alcohol_drinks_per_day=0)
            grid = np.repeat(grid, 60, axis=0)
            grid[:, COL["weight_kg"]] = np.linspace(40, 140, 60)
            risk = model.predict_matrix(grid)
            t_score = model.equations.t_score_interval(grid)[0]
            assert np.all(np.diff(risk) <= 1e-12), (age, height)
            assert np.all(np.diff(t_score) >= -1e-12), (age, height)


@pytest.mark.parametrize("factor", ["prior_fracture", "parent_hip_fracture", "glucocorticoids", "smoker_current"])
def test_shipped_model_never_treats_a_risk_factor_as_protective(factor):
    model = load_risk_model()
    without, with_it = _rows(200, **{factor: 0.0}), _rows(200, **{factor: 1.0})
    assert np.all(model.predict_matrix(with_it) >= model.predict_matrix(without) - 1e-12)


def test_shipped_model_older_means_higher_risk():
    model = load_risk_model()
    young, old = _rows(200, age=55.0), _rows(200, age=75.0)
    assert np.all(model.predict_matrix(old) > model.predict_matrix(young))


def test_equations_round_trip_through_json_and_refuse_another_design():
    model = load_risk_model()
    data = json.loads(json.dumps(model.equations.to_dict()))
    again = ClinicalEquations.from_dict(data)
    matrix = _rows(50)
    np.testing.assert_allclose(again.probability(matrix), model.equations.probability(matrix))
    data["design_columns"] = data["design_columns"][:-1]
    with pytest.raises(ValueError, match="another design"):
        ClinicalEquations.from_dict(data)


def test_evaluation_file_matches_what_the_shipped_model_does(real_data_dir):
    """The held-out figures are regenerated from the data with the shipped model, never typed."""
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split

    from training.clinical_fit import SEED
    from training.nhanes import load_nhanes

    data = load_nhanes(real_data_dir / "nhanes_osq" / "nhanes_osq.csv")
    strata = data.labels * 2 + data.inputs["female"].to_numpy().astype(int)
    _, test = train_test_split(np.arange(len(data.labels)), test_size=0.2, stratify=strata, random_state=SEED)
    inputs = data.inputs.iloc[test]
    over50 = inputs["age"].to_numpy() >= 50
    model = load_risk_model()
    prob = model.predict(inputs)
    evaluation = json.loads((model_folder() / "evaluation.json").read_text())
    assert roc_auc_score(data.labels[test][over50], prob[over50]) == pytest.approx(
        evaluation["age_50plus"]["auc"]["value"], abs=1e-4)
    t_score = model.predict_t_score(inputs)
    mae = float(np.mean(np.abs(data.t_scores[test] - t_score.estimate)))
    assert mae == pytest.approx(evaluation["t_score"]["overall"]["mae"], abs=1e-3)
