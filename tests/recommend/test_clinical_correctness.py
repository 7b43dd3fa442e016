"""Issue 13: DXA outranks estimates, rules fire only on the input their guideline names, medicines by class only."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import yaml

from osteo_core.recommend import Profile, RuleFileError, default_rules, load_rules, profile_from_assessment, recommend
from osteo_core.recommend.rules import MEDICINE_CLASSES, RULES_PATH

DXA_OSTEOPOROSIS = Profile(bone_category="osteoporosis", bone_source="dxa", t_score=-3.2, age=70, sex="female",
                           postmenopausal=True, prior_fracture=True)
IMAGE_OSTEOPENIA = Profile(bone_category="osteopenia", bone_source="image_bone_density")


def _ids(profile: Profile) -> list[str]:
    return [item.rule_id for item in recommend(profile)]


# ---- item 2: a measured DXA always outranks an estimate
def test_merge_keeps_the_measured_dxa_over_an_image_estimate():
    merged = DXA_OSTEOPOROSIS.merged(IMAGE_OSTEOPENIA)
    assert (merged.bone_source, merged.bone_category, merged.t_score) == ("dxa", "osteoporosis", -3.2)
    ids = _ids(merged)
    assert "medication-very-high-risk" in ids and "dxa-osteoporosis-follow-up" in ids
    assert not any("DXA scan" in item.title and "Confirm" in item.title for item in recommend(merged))


def test_merge_lets_a_dxa_replace_an_image_estimate():
    merged = IMAGE_OSTEOPENIA.merged(DXA_OSTEOPOROSIS)
    assert (merged.bone_source, merged.t_score) == ("dxa", -3.2)


def test_fact_sources_name_where_each_fact_came_from():
    profile = Profile(bone_category="osteopenia", bone_source="dxa", t_score=-1.8, t_score_estimate=-2.2,
                      t_score_estimate_low=-3.0, t_score_estimate_high=-1.4, risk_band="moderate")
    sources = {fact: source for fact, _, source in profile.fact_sources()}
    assert sources["Bone-density category"] == "DXA (measured)"
    assert sources["Estimated T-score"].startswith("clinical model")


def test_clinical_t_score_estimate_never_triggers_dxa_treatment_advice():
    profile = Profile(t_score_estimate=-3.6, t_score_estimate_low=-4.4, t_score_estimate_high=-2.8, age=70,
                      sex="female", postmenopausal=True)
    ids = _ids(profile)
    assert not {"medication-osteoporosis", "medication-very-high-risk", "dxa-osteoporosis-follow-up"} & set(ids)
    assert "dxa-women-65" in ids


def test_profile_from_assessment_carries_the_estimate_and_tool_flags():
    patient = SimpleNamespace(age=58.0, sex="female", menopause_status="postmenopausal", prior_fracture=False,
                              glucocorticoids=False, smoker_current=False, alcohol_drinks_per_day=None, t_score=None,
                              fracture_count_after_45=0)
    tools = [SimpleNamespace(flagged=True), SimpleNamespace(flagged=None)]
    assessment = SimpleNamespace(patient=patient, band="moderate", who_category=None, tools=tools,
                                 t_score_estimate=-2.1, t_score_low=-2.9, t_score_high=-1.3)
    profile = profile_from_assessment(assessment)
    assert profile.risk_tool_flagged is True and profile.multiple_fractures is False
    assert (profile.t_score_estimate, profile.t_score_estimate_low, profile.t_score_estimate_high) == (-2.1, -2.9, -1.3)
    assert profile.bone_source is None and profile.t_score is None
    assert "dxa-postmenopausal-under-65-at-risk" in _ids(profile)


# ---- item 3: rules fire only on the input their source names
def test_osteopenia_medicines_need_a_fracture_not_a_high_band():
    profile = Profile(bone_category="osteopenia", bone_source="dxa", t_score=-2.0, age=66, sex="female",
                      risk_band="high", prior_fracture=False)
    items = {item.rule_id: item for item in recommend(profile)}
    assert "medication-osteopenia-fracture" not in items
    advice = items["osteopenia-fracture-risk-assessment"].text
    assert "fracture-risk assessment (e.g. FRAX)" in advice
    assert not any(name.lower() in advice.lower() for name in ("bisphosphonate", "RANKL"))


def test_uspstf_under_65_needs_a_formal_tool_not_the_model_band():
    base = {"age": 58, "sex": "female", "postmenopausal": True}
    assert "dxa-postmenopausal-under-65-at-risk" not in _ids(Profile(**base, risk_band="moderate"))
    assert "dxa-postmenopausal-under-65-at-risk" in _ids(Profile(**base, risk_tool_flagged=True))


@pytest.mark.parametrize("fact", ["prior_fracture", "glucocorticoids"])
def test_women_outside_uspstf_scope_get_the_guideline_that_covers_them(fact):
    for age in (58, 70):
        items = recommend(Profile(age=age, sex="female", postmenopausal=True, risk_tool_flagged=True, **{fact: True}))
        step = next(item for item in items if item.section == "next_step")
        assert not step.rule_id.startswith(("dxa-women-65", "dxa-postmenopausal"))
        assert {s.label for s in step.sources} & {"BHOF 2022", "NOGG 2022"}
        assert "USPSTF 2025" not in {s.label for s in step.sources}


def test_men_get_the_uspstf_i_statement():
    step = next(item for item in recommend(Profile(age=72, sex="male")) if item.section == "next_step")
    assert any(s.label == "USPSTF 2025" and "I statement" in s.section for s in step.sources)


def test_very_high_risk_is_not_osteoporosis_plus_any_prior_fracture():
    assert not Profile(bone_category="osteoporosis", bone_source="dxa", t_score=-2.7, prior_fracture=True,
                       sex="female").very_high_risk
    assert Profile(bone_category="osteoporosis", bone_source="dxa", t_score=-2.7, recent_fracture=True).very_high_risk
    assert Profile(bone_category="osteoporosis", bone_source="dxa", t_score=-2.7,
                   multiple_fractures=True).very_high_risk
    assert Profile(bone_category="osteoporosis", bone_source="dxa", t_score=-3.1).very_high_risk


@pytest.mark.parametrize("category", ["normal", "osteopenia", "osteoporosis"])
def test_image_estimate_alone_never_triggers_falls_or_arrange_dxa(category):
    items = recommend(Profile(bone_category=category, bone_source="image_bone_density"))
    assert not [item for item in items if item.section in ("falls", "medication")]
    assert not any("arrange" in item.text.lower() for item in items)


# ---- item 4 and the quoted sections
def test_every_rule_quotes_the_section_of_each_source():
    for rule in default_rules().rules:
        assert all(source.section for source in rule.sources), rule.id


def test_medication_rules_name_only_allowed_classes():
    rules = [rule for rule in default_rules().rules if rule.section == "medication"]
    assert all(set(rule.medicines) <= set(MEDICINE_CLASSES) for rule in rules)
    assert not any("denosumab" in rule.text.lower() for rule in default_rules().rules)


def _medication_rule(raw):
    return next(rule for rule in raw["rules"] if rule["id"] == "medication-osteoporosis")


@pytest.mark.parametrize(("change", "match"), [
    (lambda rule: rule.update(text=rule["text"] + " Denosumab is an option; discuss with your clinician."),
     "drug name 'Denosumab'"),
    (lambda rule: rule.update(medicines=["statin"]), "`medicines` allows only the classes"),
    (lambda rule: rule["sources"][0].pop("section"), "must quote the guideline section"),
])
def test_load_rules_refuses_drug_names_unknown_classes_and_unquoted_sources(tmp_path, change, match):
    raw = yaml.safe_load(RULES_PATH.read_text(encoding="utf-8"))
    change(_medication_rule(raw))
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RuleFileError, match=match):
        load_rules(path)
