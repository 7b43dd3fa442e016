"""Screening tools checked against worked examples computed by hand from the published formulas."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from osteo_core.clinical.assess import screening_tools
from osteo_core.clinical.patient import parse_patient
from osteo_core.clinical.tools import TOOL_INFO


def tools_for(**values):
    return {result.info.key: result for result in screening_tools(parse_patient(values))}


# OST = trunc(0.2 x (weight - age)); women flagged below 2, men below 4.
@pytest.mark.parametrize(
    ("sex", "age", "weight", "score", "flagged"),
    [
        ("female", 65, 60, -1, True),     # 0.2 x -5 = -1
        ("female", 50, 70, 4, False),     # 0.2 x 20 = 4
        ("female", 60, 70, 2, False),     # 0.2 x 10 = 2, not < 2
        ("female", 63, 55, -1, True),     # 0.2 x -8 = -1.6, truncated toward zero = -1
        ("male", 60, 80, 4, False),       # 0.2 x 20 = 4, not < 4
        ("male", 61, 80, 3, True),        # 0.2 x 19 = 3.8 -> 3
    ],
)
def test_ost_worked_examples(sex, age, weight, score, flagged):
    result = tools_for(age=age, sex=sex, weight_kg=weight, height_cm=165)["ost"]
    assert result.score == score
    assert result.flagged is flagged


def test_orai_worked_example_flags_older_light_woman():
    # age 67 -> 9, weight 58 kg -> 9, not on estrogen -> 2: total 20 >= 9
    result = tools_for(age=67, sex="female", weight_kg=58, height_cm=160, estrogen_therapy="never")["orai"]
    assert (result.score, result.flagged) == (20, True)


def test_orai_worked_example_current_estrogen_not_flagged():
    # age 50 -> 0, weight 75 kg -> 0, current estrogen -> 0: total 0
    result = tools_for(age=50, sex="female", weight_kg=75, height_cm=165, estrogen_therapy="current")["orai"]
    assert (result.score, result.flagged) == (0, False)


def test_orai_boundary_weights():
    # age 58 -> 5, weight 65 kg -> 3, past estrogen (not current) -> 2: total 10
    result = tools_for(age=58, sex="female", weight_kg=65, height_cm=165, estrogen_therapy="past")["orai"]
    assert result.score == 10


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"sex": "male", "age": 70}, "not validated for this patient (ORAI was developed in women aged 45"),
        ({"sex": "female", "age": 44, "estrogen_therapy": "never"}, "not validated for this patient"),
        ({"sex": "female", "age": 60}, "needs estrogen"),
    ],
)
def test_orai_says_why_it_does_not_apply(values, reason):
    result = tools_for(weight_kg=60, height_cm=165, **values)["orai"]
    assert result.score is None and result.flagged is None
    assert reason in result.reason


def test_score_worked_example():
    # not Black 5 + RA 0 + 1 fracture x 4 + never estrogen 1 + 3 x 6 (age 67) - trunc(127.87 lb / 10) = 12 -> 16
    result = tools_for(age=67, sex="female", weight_kg=58, height_cm=160, race="nh_white", rheumatoid_arthritis="no",
                       prior_fracture="yes", fracture_count_after_45=1, estrogen_therapy="never")["score"]
    assert (result.score, result.flagged) == (16, True)


def test_score_worked_example_not_flagged():
    # Black 0 + RA 0 + no fracture 0 + current estrogen 0 + 3 x 5 (age 52) - trunc(176.37 lb / 10) = 17 -> -2
    result = tools_for(age=52, sex="female", weight_kg=80, height_cm=165, race="nh_black", rheumatoid_arthritis="no",
                       prior_fracture="no", estrogen_therapy="current")["score"]
    assert (result.score, result.flagged) == (-2, False)


def test_score_caps_fractures_at_three_and_counts_ra():
    # 5 + 4 + 4 x 3 (capped) + 0 (past estrogen) + 3 x 7 - trunc(132.28 / 10) = 13 -> 29
    result = tools_for(age=75, sex="female", weight_kg=60, height_cm=160, race="nh_asian", rheumatoid_arthritis="yes",
                       prior_fracture="yes", fracture_count_after_45=5, estrogen_therapy="past")["score"]
    assert result.score == 29


def test_score_not_applicable_to_men():
    result = tools_for(age=70, sex="male", weight_kg=70, height_cm=175)["score"]
    assert result.score is None and result.reason.startswith("not validated for this patient (SCORE")


def test_every_tool_has_citation_and_cutoff():
    for info in TOOL_INFO.values():
        assert info.citation and info.cutoff and info.population


@settings(deadline=None, max_examples=50)
@given(age=st.integers(50, 109), weight=st.floats(40, 150), sex=st.sampled_from(["female", "male"]))
def test_ost_never_rises_with_age(age, weight, sex):
    younger = tools_for(age=age, sex=sex, weight_kg=weight, height_cm=170)["ost"].score
    older = tools_for(age=age + 1, sex=sex, weight_kg=weight, height_cm=170)["ost"].score
    assert older <= younger
    assert not math.isnan(older)
