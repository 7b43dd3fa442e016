import math

import pandas as pd
import pytest

from osteo_core.clinical.fields import FIELDS, REQUIRED_FIELDS
from osteo_core.clinical.patient import parse_patient, who_category
from osteo_core.clinical.validate import validate_frame
from osteo_core.errors import InputValidationError

BASE = {"age": 67, "sex": "female", "weight_kg": 58, "height_cm": 160}


def test_every_field_has_unit_range_and_required_flag():
    for spec in FIELDS:
        assert spec.label
        if spec.kind in ("number", "integer"):
            assert spec.unit and spec.minimum is not None and spec.maximum is not None
    assert set(REQUIRED_FIELDS) == {"age", "sex", "weight_kg", "height_cm"}


def test_parse_patient_derives_bmi():
    patient = parse_patient(BASE)
    assert patient.bmi == pytest.approx(58 / 1.6**2)
    assert patient.prior_fracture is None and patient.t_score is None


def test_parse_patient_converts_pounds_and_inches():
    patient = parse_patient(BASE | {"weight_kg": 150, "height_cm": 64}, weight_unit="lb", height_unit="in")
    assert patient.weight_kg == pytest.approx(68.04, abs=0.01)
    assert patient.height_cm == pytest.approx(162.56, abs=0.01)


def test_parse_patient_reports_age_out_of_range_exactly():
    with pytest.raises(InputValidationError) as info:
        parse_patient(BASE | {"age": 12})
    assert info.value.field_issues == {"age": ["`age` must be between 18 and 110 (years). Got 12."]}


def test_parse_patient_lists_every_problem_at_once():
    with pytest.raises(InputValidationError) as info:
        parse_patient({"age": 12, "sex": "x", "weight_kg": "abc", "smoker_current": "maybe"})
    fields = set(info.value.field_issues)
    assert fields == {"age", "sex", "weight_kg", "height_cm", "smoker_current"}
    assert "`height_cm` is required (cm)." in info.value.issues
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("values", "field", "match"),
    [
        ({"sex": "male", "menopause_status": "postmenopausal"}, "menopause_status", "not_applicable for a male"),
        ({"prior_fracture": "no", "fracture_count_after_45": 2}, "fracture_count_after_45", "`prior_fracture` is no"),
        ({"fracture_count_after_45": 1.5}, "fracture_count_after_45", "whole number"),
        ({"weight_kg": 290, "height_cm": 100}, "bmi", "kg/m²"),
        ({"t_score": -7}, "t_score", "between -6 and 4 (SD). Got -7."),
        ({"alcohol_drinks_per_day": 45}, "alcohol_drinks_per_day", "between 0 and 30 (drinks/day)"),
        ({"estrogen_therapy": "sometimes"}, "estrogen_therapy", "one of never, past, current"),
    ],
)
def test_parse_patient_rejects_inconsistent_values(values, field, match):
    with pytest.raises(InputValidationError) as info:
        parse_patient(BASE | values)
    assert field in info.value.field_issues
    assert match in " ".join(info.value.field_issues[field])


@pytest.mark.parametrize(("text", "expected"), [("yes", True), ("1", True), ("TRUE", True), ("no", False),
                                                 ("0", False), ("false", False)])
def test_parse_patient_reads_boolean_words(text, expected):
    assert parse_patient(BASE | {"smoker_current": text}).smoker_current is expected


@pytest.mark.parametrize(("text", "expected"), [("F", "female"), ("m", "male"), ("Female", "female")])
def test_parse_patient_reads_sex_spellings(text, expected):
    assert parse_patient(BASE | {"sex": text}).sex == expected


@pytest.mark.parametrize(
    ("t_score", "category"),
    [(0.5, "normal"), (-0.99, "normal"), (-1.0, "normal"), (-1.01, "osteopenia"), (-2.49, "osteopenia"),
     (-2.5, "osteoporosis"), (-4.0, "osteoporosis")],
)
def test_who_category_boundaries(t_score, category):
    assert who_category(t_score) == category
    assert parse_patient(BASE | {"t_score": t_score}).who_category == category


def test_who_category_rejects_nan():
    with pytest.raises(ValueError, match="finite"):
        who_category(math.nan)


def test_validate_frame_keeps_good_rows_and_explains_bad_ones(synthetic_cohort):
    checked = validate_frame(synthetic_cohort.rename(columns={"glucocorticoids_ever_daily": "glucocorticoids"}))
    assert checked.valid.tolist() == [True, True, False, True, True, False]
    assert checked.issues.iloc[2] == "`age` must be between 18 and 110 (years). Got 12."
    assert checked.issues.iloc[5] == "`age` must be a number (years). Got 'abc'."
    assert checked.values["glucocorticoids"].iloc[1] == 1.0
    assert math.isnan(checked.values["smoker_current"].iloc[4])


def test_validate_frame_accepts_numeric_columns():
    frame = pd.DataFrame({"age": [70.0, 30.0], "sex": ["female", "male"], "weight_kg": [55.0, 80.0],
                          "height_cm": [158.0, 180.0]})
    checked = validate_frame(frame)
    assert checked.valid.all()
    assert checked.values["bmi"].round(1).tolist() == [22.0, 24.7]
