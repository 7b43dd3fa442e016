import json
import shutil

import numpy as np
import pandas as pd
import pytest

from osteo_core.clinical.assess import assess_patient
from osteo_core.clinical.features import MODEL_FEATURES, model_inputs
from osteo_core.clinical.patient import parse_patient
from osteo_core.clinical.risk_model import load_risk_model, model_folder
from osteo_core.clinical.validate import validate_frame
from osteo_core.errors import ModelLoadError
from osteo_core.explain.plots import risk_gauge_figure, shap_waterfall_figure


def _inputs(**values) -> pd.DataFrame:
    return model_inputs(validate_frame(parse_patient(values).to_frame()).values)


def test_shipped_model_loads_with_its_card_and_evaluation():
    model = load_risk_model()
    folder = model_folder()
    card = (folder / "model_card.md").read_text()
    assert card.startswith("# Model card") and "hip DXA" in card
    evaluation = json.loads((folder / "evaluation.json").read_text())
    assert 0.5 < evaluation["age_50plus"]["auc"]["value"] <= 1.0
    assert model.metadata["features"] == list(MODEL_FEATURES)
    assert "DXA" in model.metadata["label"] and "self-report" not in model.metadata["label"]


def test_shipped_model_ranks_textbook_cases():
    model = load_risk_model()
    high = model.predict(_inputs(age=78, sex="female", weight_kg=48, height_cm=152, prior_fracture="yes",
                                 glucocorticoids="yes"))[0]
    low = model.predict(_inputs(age=42, sex="male", weight_kg=95, height_cm=185, prior_fracture="no"))[0]
    assert 0.0 <= low < high <= 1.0
    assert model.risk_band(high)[0] == "high"
    assert model.risk_band(low)[0] == "low"


def test_model_scores_with_only_required_fields():
    prob = load_risk_model().predict(_inputs(age=60, sex="female", weight_kg=65, height_cm=162))
    assert prob.shape == (1,) and 0 < prob[0] < 1


def test_load_risk_model_refuses_tampered_weights(tmp_path):
    copy = tmp_path / "clinical_risk"
    shutil.copytree(model_folder(), copy)
    with open(copy / "model.json", "ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(ModelLoadError, match="checksum"):
        load_risk_model(copy)


def test_load_risk_model_explains_missing_folder(tmp_path):
    with pytest.raises(ModelLoadError, match="manifest"):
        load_risk_model(tmp_path / "nowhere")


def test_assessment_shap_is_additive_and_drawable():
    patient = parse_patient({"age": 67, "sex": "female", "weight_kg": 58, "height_cm": 160, "smoker_current": "yes"})
    result = assess_patient(patient)
    explanation = result.explanation
    assert explanation.base_value + explanation.contributions.sum() == pytest.approx(result.probability, abs=1e-6)
    assert "smoker_current" in explanation.modifiable().index  # a smoker, and smoking raises the estimate
    assert explanation.display_values["prior_fracture"] == "unknown (average used)"
    figure = shap_waterfall_figure(explanation, max_factors=5)
    bars = figure.data[0]
    assert len(bars.y) == 1 + 5 + 1 + 1  # base, five factors, others, total
    assert np.isclose(sum(bars.x[1:-1]) + bars.x[0], 100 * result.probability, atol=1e-6)
    assert risk_gauge_figure(result.probability, (0.05, 0.15)).data[0].value == pytest.approx(100 * result.probability)


def test_assessment_warns_outside_training_ages():
    result = assess_patient(parse_patient({"age": 25, "sex": "male", "weight_kg": 70, "height_cm": 175}),
                            explain=False)
    assert any("outside the ages with DXA scans" in w for w in result.warnings)
    assert result.explanation is None


def test_assessment_warns_that_the_model_is_meant_for_50_plus():
    result = assess_patient(parse_patient({"age": 45, "sex": "female", "weight_kg": 60, "height_cm": 165}),
                            explain=False)
    assert any("meant for adults aged 50 or older" in w for w in result.warnings)
    assert not any("50" in w for w in assess_patient(
        parse_patient({"age": 65, "sex": "female", "weight_kg": 60, "height_cm": 165}), explain=False).warnings)


def test_assessment_gives_a_t_score_with_an_ordered_80_percent_interval():
    result = assess_patient(parse_patient({"age": 75, "sex": "female", "weight_kg": 50, "height_cm": 155}),
                            explain=False)
    assert result.t_score_low < result.t_score_estimate < result.t_score_high
    assert -6 < result.t_score_low and result.t_score_high < 4
    light = result.t_score_estimate
    heavy = assess_patient(parse_patient({"age": 75, "sex": "female", "weight_kg": 90, "height_cm": 155}),
                           explain=False).t_score_estimate
    assert heavy > light  # more weight, denser hips


def test_heavy_drinking_is_never_shown_as_protective():
    base = {"age": 70, "sex": "male", "weight_kg": 70, "height_cm": 175}
    model = load_risk_model()
    none, heavy = (model.predict(_inputs(**base, alcohol_drinks_per_day=d))[0] for d in (0, 6))
    assert heavy >= none
    result = assess_patient(parse_patient(base | {"alcohol_drinks_per_day": 6}))
    modifiable = result.explanation.modifiable()
    assert "alcohol_drinks_per_day" not in modifiable.index or modifiable["alcohol_drinks_per_day"] > 0
