"""Screening tools: a cited source for every cut-off, and no score outside the development population."""

from __future__ import annotations

import pytest

from osteo_core.clinical.assess import screening_tools
from osteo_core.clinical.patient import parse_patient
from osteo_core.clinical.tools import TOOL_INFO


def tools_for(**values):
    return {result.info.key: result for result in screening_tools(parse_patient(values))}


@pytest.mark.parametrize(("values", "tool", "why"), [
    ({"age": 45, "sex": "female"}, "ost", "adults aged 50 or older"),
    ({"age": 40, "sex": "male"}, "ost", "adults aged 50 or older"),
    ({"age": 44, "sex": "female"}, "orai", "women aged 45 or older"),
    ({"age": 44, "sex": "female"}, "score", "women aged 45 or older"),
    ({"age": 70, "sex": "male"}, "score", "not in men"),
])
def test_tool_outside_its_population_is_not_validated(values, tool, why):
    extra = {"weight_kg": 60, "height_cm": 165, "estrogen_therapy": "never", "race": "nh_white",
             "rheumatoid_arthritis": "no", "prior_fracture": "no"}
    result = tools_for(**values, **extra)[tool]
    assert result.score is None and result.flagged is None
    assert result.reason.startswith("not validated for this patient (") and why in result.reason


def test_tool_inside_its_population_is_scored():
    results = tools_for(age=50, sex="female", weight_kg=60, height_cm=165, estrogen_therapy="never",
                        race="nh_white", rheumatoid_arthritis="no", prior_fracture="no")
    assert all(result.score is not None for result in results.values())


def test_each_cutoff_cites_its_source():
    ost = TOOL_INFO["ost"].cutoff_source
    assert "Geusens" in ost and "2002" in ost and "University of Washington" in ost and "Adler" in ost
    assert "Cadarette" in TOOL_INFO["orai"].cutoff_source and "Lydick" in TOOL_INFO["score"].cutoff_source
    assert "50 or older" in TOOL_INFO["ost"].population
