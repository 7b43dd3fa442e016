"""Column mapping (auto-detection, ambiguity, user edits) and the vectorised validation's equivalence per row."""

import numpy as np
import pandas as pd
import pytest

from osteo_core.clinical.validate import validate_frame
from osteo_core.cohort.columns import (
    ID_NAMES,
    OUTCOME_NAMES,
    ColumnMappingError,
    detect_named,
    field_choices,
    map_columns,
    mapping_from_choices,
    mapping_notes,
    missing_required,
    target_for,
)

KAGGLE_HEADER = ["Id", "Age", "Gender", "Hormonal Changes", "Family History", "Race/Ethnicity", "Body Weight",
                 "Calcium Intake", "Vitamin D Intake", "Physical Activity", "Smoking", "Alcohol Consumption",
                 "Medical Conditions", "Medications", "Prior Fractures", "Osteoporosis"]


def test_kaggle_layout_maps_what_exists_and_says_weight_and_height_are_missing():
    mapping = map_columns(KAGGLE_HEADER)
    assert mapping.mapping == {"Age": "age", "Gender": "sex", "Race/Ethnicity": "race",
                               "Smoking": "smoker_current", "Prior Fractures": "prior_fracture"}
    assert missing_required(mapping) == ["weight_kg", "height_cm"]
    notes = mapping_notes(KAGGLE_HEADER, mapping)
    assert notes[0].severity == "error" and "`weight_kg`, `height_cm`" in notes[0].text
    assert [n.severity for n in notes[1:]] == ["info"] * (len(notes) - 1)
    assert any("'Body Weight' holds words" in n.text for n in notes)
    assert detect_named(KAGGLE_HEADER, OUTCOME_NAMES) == "Osteoporosis"
    assert detect_named(KAGGLE_HEADER, ID_NAMES) == "Id"


def test_nhanes_layout_is_detected():
    columns = ["SEQN", "age", "sex", "race", "weight_kg", "height_cm", "glucocorticoids_ever_daily",
               "osteoporosis_selfreport", "osteoporosis_rx"]
    mapping = map_columns(columns)
    assert mapping.mapping["glucocorticoids_ever_daily"] == "glucocorticoids"
    assert missing_required(mapping) == []
    assert detect_named(columns, OUTCOME_NAMES) == "osteoporosis_selfreport"
    assert detect_named(columns, ID_NAMES) == "SEQN"
    # with hip DXA present, the DXA label is the outcome, not the self-report
    assert detect_named(columns + ["osteoporosis_dxa_hip"], OUTCOME_NAMES) == "osteoporosis_dxa_hip"


def test_ambiguous_columns_are_reported_with_the_one_used():
    columns = ["weight", "Weight_KG", "age", "sex", "height"]
    mapping = map_columns(columns)
    assert mapping.mapping["Weight_KG"] == "weight_kg" and mapping.ambiguous == ["weight"]
    notes = mapping_notes(columns, mapping)
    assert any("'weight' also looks like `weight_kg`; 'Weight_KG' is used" in n.text for n in notes)
    assert all(n.severity == "info" for n in notes)


def test_user_choices_build_a_mapping_with_units():
    columns = ["Years", "Gender", "Wt", "Ht", "other"]
    choices = {"age": "Years", "sex": "Gender", target_for("weight_kg", "lb"): "Wt",
               target_for("height_cm", "in"): "Ht", "race": None}
    mapping = mapping_from_choices(choices, columns)
    assert mapping.mapping == {"Years": "age", "Gender": "sex", "Wt": "weight_lb", "Ht": "height_in"}
    assert mapping.unused == ["other"]
    assert field_choices(mapping)["weight_kg"] == ("Wt", "lb")
    assert field_choices(mapping)["height_cm"] == ("Ht", "in")


@pytest.mark.parametrize("choices, message", [
    ({"age": "A", "sex": "A"}, "chosen for both `age` and `sex`"),
    ({"age": "missing"}, "'missing' chosen for `age` is not in the table"),
    ({"shoe_size": "A"}, "not a patient field"),
])
def test_bad_user_choices_are_refused(choices, message):
    with pytest.raises(ColumnMappingError, match=message):
        mapping_from_choices(choices, ["A", "B"])


def test_target_for_refuses_an_unknown_unit():
    with pytest.raises(ColumnMappingError, match="'stone'"):
        target_for("weight_kg", "stone")


def test_bulk_validation_equals_row_by_row_validation():
    """The per-distinct-value fast path must give every row exactly what validating it alone gives."""
    rng = np.random.default_rng(3)
    n = 400
    frame = pd.DataFrame({
        "age": rng.choice(["67", " 45 ", "12", "abc", "", "NA", "80.5", "111"], n),
        "sex": rng.choice(["F", "male", "x", "", "Woman"], n),
        "weight_kg": rng.choice(["58", "90.5", "20", "heavy", "", "300"], n),
        "height_cm": rng.choice(["160", "99", "175", ""], n),
        "prior_fracture": rng.choice(["yes", "0", "maybe", ""], n),
        "fracture_count_after_45": rng.choice(["0", "2", "1.5", ""], n),
        "menopause_status": rng.choice(["post", "n/a", "sometimes", ""], n),
        "alcohol_drinks_per_day": rng.choice(["0", "2", "-1", "lots"], n),
    })
    frame.iloc[:40] = ["67", "F", "58", "160", "yes", "1", "post", "0"]  # some fully valid rows
    bulk = validate_frame(frame)
    for row in range(0, n, 7):
        alone = validate_frame(frame.iloc[[row]])
        assert alone.issues.iloc[0] == bulk.issues.iloc[row]
        pd.testing.assert_series_equal(alone.values.iloc[0], bulk.values.iloc[row], check_names=False)
    assert (bulk.issues != "").any() and (bulk.issues == "").any()


def test_mixed_type_object_column_is_checked_cell_by_cell():
    frame = pd.DataFrame({"age": [True, 1, 1.0, "67"], "sex": ["f"] * 4, "weight_kg": [60] * 4,
                          "height_cm": [160] * 4})
    issues = validate_frame(frame).issues
    assert "`age` must be a number (years). Got 'True'." in issues.iloc[0]
    assert "Got 1." in issues.iloc[1] and "Got 1." in issues.iloc[2]
    assert issues.iloc[3] == ""
