"""Property-based tests (hypothesis) of the patient schema, the screening tools and the risk model.

Monotonicity is asserted only where the published formula implies it: OST = trunc(0.2 × (weight − age));
ORAI (women ≥ 45) adds points for higher age bands and lower weight bands; SCORE adds 3 × age decade, subtracts
trunc(weight lb / 10) and adds 4 per fracture after 45 (at most 3 counted); WHO: a lower T-score never gives a
milder category.
"""

from __future__ import annotations

import math

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from osteo_core.clinical.assess import screening_tools
from osteo_core.clinical.features import model_inputs
from osteo_core.clinical.fields import (
    ESTROGEN_CHOICES,
    FIELDS,
    FIELDS_BY_NAME,
    MENOPAUSE_CHOICES,
    RACE_CHOICES,
)
from osteo_core.clinical.patient import parse_patient, who_category
from osteo_core.clinical.risk_model import load_risk_model
from osteo_core.clinical.validate import validate_frame
from osteo_core.errors import InputValidationError

SETTINGS = settings(deadline=None, max_examples=50)
WHO_ORDER = {"normal": 0, "osteopenia": 1, "osteoporosis": 2}

any_value = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12), st.sampled_from(["", " ", "yes", "no", "F", "male", "nh_black", "current", "1e3", "NaN",
                                           "inf", "-0", "58,5", "１２", "=1+1"]),
)


@SETTINGS
@given(values=st.dictionaries(st.sampled_from([f.name for f in FIELDS] + ["unknown_field"]), any_value),
       weight_unit=st.sampled_from(["kg", "lb"]), height_unit=st.sampled_from(["cm", "in"]))
def test_parse_patient_raises_only_input_validation_error(values, weight_unit, height_unit):
    try:
        patient = parse_patient(values, weight_unit=weight_unit, height_unit=height_unit)
    except InputValidationError as exc:
        assert exc.issues and all(isinstance(m, str) and m for m in exc.issues)
    else:
        assert 18 <= patient.age <= 110 and patient.sex in ("female", "male")


@st.composite
def valid_patients(draw, sex=None, min_age: float = 18):
    """Dicts that satisfy every schema rule (ranges, BMI 10–80, cross-field rules)."""
    sex = sex or draw(st.sampled_from(["female", "male"]))
    height = draw(st.floats(100, 230))
    weight = draw(st.floats(25, 300))
    assume(10 <= weight / (height / 100) ** 2 <= 80)
    prior = draw(st.sampled_from([None, True, False]))
    count = None if prior is False else draw(st.one_of(st.none(), st.integers(0, 20)))
    if prior is False:
        count = draw(st.sampled_from([None, 0]))
    values = {
        "age": draw(st.floats(min_age, 110)), "sex": sex, "weight_kg": weight, "height_cm": height,
        "race": draw(st.sampled_from([None, *RACE_CHOICES])), "prior_fracture": prior,
        "fracture_count_after_45": count,
        "parent_hip_fracture": draw(st.sampled_from([None, True, False])),
        "glucocorticoids": draw(st.sampled_from([None, True, False])),
        "smoker_current": draw(st.sampled_from([None, True, False])),
        "alcohol_drinks_per_day": draw(st.one_of(st.none(), st.floats(0, 30))),
        "rheumatoid_arthritis": draw(st.sampled_from([None, True, False])),
        "estrogen_therapy": draw(st.sampled_from([None, *ESTROGEN_CHOICES])),
        "menopause_status": draw(st.sampled_from([None, *MENOPAUSE_CHOICES] if sex == "female"
                                                 else [None, "not_applicable"])),
        "t_score": draw(st.one_of(st.none(), st.floats(-6, 4))),
    }
    return values


@SETTINGS
@given(values=valid_patients())
def test_valid_values_always_parse(values):
    patient = parse_patient(values)
    assert patient.sex == values["sex"] and math.isclose(patient.age, values["age"])
    assert 10 <= patient.bmi <= 80


def _tools(values: dict) -> dict:
    return {result.info.key: result for result in screening_tools(parse_patient(values))}


def _bump(values: dict, **changes) -> dict | None:
    """``values`` with ``changes``, or None when the change leaves the schema (then the pair is skipped)."""
    changed = values | changes
    try:
        parse_patient(changed)
    except InputValidationError:
        return None
    return changed


step = st.floats(0.5, 40)


@SETTINGS
@given(values=valid_patients(min_age=50), more=step)
def test_ost_non_decreasing_in_weight_and_non_increasing_in_age(values, more):
    base = _tools(values)["ost"].score
    heavier = _bump(values, weight_kg=values["weight_kg"] + more)
    older = _bump(values, age=values["age"] + more)
    assume(heavier or older)
    if heavier:
        assert _tools(heavier)["ost"].score >= base
    if older:
        assert _tools(older)["ost"].score <= base


@SETTINGS
@given(values=valid_patients(sex="female", min_age=45), estrogen=st.sampled_from(ESTROGEN_CHOICES), more=step)
def test_orai_non_decreasing_in_age_and_non_increasing_in_weight_for_women_45_plus(values, estrogen, more):
    values = values | {"estrogen_therapy": estrogen}
    base = _tools(values)["orai"].score
    assert not math.isnan(base)
    older = _bump(values, age=values["age"] + more)
    heavier = _bump(values, weight_kg=values["weight_kg"] + more)
    assume(heavier or older)
    if older:
        assert _tools(older)["orai"].score >= base
    if heavier:
        assert _tools(heavier)["orai"].score <= base


@st.composite
def score_ready_women(draw):
    values = draw(valid_patients(sex="female", min_age=45))
    count = draw(st.integers(0, 5))
    return values | {"race": draw(st.sampled_from(RACE_CHOICES)), "rheumatoid_arthritis": draw(st.booleans()),
                     "estrogen_therapy": draw(st.sampled_from(ESTROGEN_CHOICES)),
                     "fracture_count_after_45": count, "prior_fracture": count > 0 or None}


@SETTINGS
@given(values=score_ready_women(), more=step)
def test_score_non_decreasing_in_age_non_increasing_in_weight(values, more):
    base = _tools(values)["score"].score
    assert not math.isnan(base)
    older = _bump(values, age=values["age"] + more)
    heavier = _bump(values, weight_kg=values["weight_kg"] + more)
    assume(heavier or older)
    if older:
        assert _tools(older)["score"].score >= base
    if heavier:
        assert _tools(heavier)["score"].score <= base


@SETTINGS
@given(values=score_ready_women())
def test_score_adds_4_per_extra_fracture_up_to_3(values):
    count = values["fracture_count_after_45"]
    one_more = values | {"fracture_count_after_45": count + 1, "prior_fracture": True}
    difference = _tools(one_more)["score"].score - _tools(values)["score"].score
    assert difference == (4 if count < 3 else 0)


@SETTINGS
@given(t_score=st.floats(-6, 4), lower=st.floats(0, 10))
def test_who_category_is_monotone_in_t_score(t_score, lower):
    assert WHO_ORDER[who_category(t_score - lower)] >= WHO_ORDER[who_category(t_score)]


@SETTINGS
@given(values=valid_patients())
def test_model_probability_stays_between_0_and_1(values):
    checked = validate_frame(parse_patient(values).to_frame())
    probability = load_risk_model().predict(model_inputs(checked.values))
    assert probability.shape == (1,)
    assert 0.0 <= float(probability[0]) <= 1.0


def test_every_field_is_covered_by_the_strategies():
    drawn = valid_patients().example()
    assert set(drawn) == set(FIELDS_BY_NAME)
