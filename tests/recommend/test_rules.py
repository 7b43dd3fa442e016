"""Rule file validation and the rule selection table: every category gives sourced advice, never a dose."""

from __future__ import annotations

import datetime as dt
import itertools
from types import SimpleNamespace

import pytest
import yaml

from osteo_core.errors import InputValidationError
from osteo_core.recommend import (
    Profile,
    RuleFileError,
    default_rules,
    load_rules,
    profile_from_assessment,
    profile_from_image_bone_density,
    profile_from_knee,
    recommend,
)
from osteo_core.recommend.rules import DOSE_PATTERN, RULES_PATH

EXPECTED_SOURCES = {"BHOF 2022", "USPSTF 2025", "NOGG 2022", "AACE 2020", "OARSI 2019"}


def _ids(profile: Profile) -> list[str]:
    return [item.rule_id for item in recommend(profile)]


def test_shipped_rules_load_with_sources_and_review_dates():
    rules = default_rules()
    assert len(rules.rules) >= 25
    assert EXPECTED_SOURCES <= {source.label for source in rules.sources.values()}
    for rule in rules.rules:
        assert rule.sources, rule.id
        assert rule.reviewed < rule.next_review, rule.id
        assert all(source.url.startswith("https://") for source in rule.sources), rule.id


def test_medication_rules_say_discuss_and_no_rule_gives_a_drug_dose():
    for rule in default_rules().rules:
        if rule.section == "medication":
            assert "discuss with your clinician" in rule.text.lower(), rule.id
        if DOSE_PATTERN.search(rule.text):  # only the calcium and vitamin D intake targets carry units
            assert rule.topic in {"calcium", "vitamin_d"}, rule.id


BONE = [(source, category) for source in ("dxa", "image_bone_density")
        for category in ("normal", "osteopenia", "osteoporosis")]


@pytest.mark.parametrize(("source", "category"), BONE)
@pytest.mark.parametrize("band", [None, "low", "moderate", "high"])
@pytest.mark.parametrize(("age", "sex"), [(None, None), (58, "female"), (70, "male")])
def test_every_bone_category_gives_a_next_step_and_lifestyle_with_sources(source, category, band, age, sex):
    profile = Profile(bone_category=category, bone_source=source, risk_band=band, age=age, sex=sex)
    items = recommend(profile)
    sections = {item.section for item in items}
    assert "next_step" in sections and "lifestyle" in sections
    assert all(item.sources and item.reviewed for item in items)
    if source == "image_bone_density":
        assert "medication" not in sections, "an image estimate alone never leads to medicine advice"


@pytest.mark.parametrize("band", ["low", "moderate", "high"])
def test_every_risk_band_alone_gives_sourced_advice(band):
    items = recommend(Profile(risk_band=band))
    assert any(item.section == "next_step" for item in items)
    assert all(item.source_label for item in items)


@pytest.mark.parametrize(("grade", "symptoms"), itertools.product(range(5), [None, True, False]))
def test_every_kl_grade_gives_knee_advice_and_no_bone_advice(grade, symptoms):
    items = recommend(profile_from_knee(grade, symptoms))
    assert items and {item.section for item in items} == {"knee"}
    ids = [item.rule_id for item in items]
    assert "knee-kl-not-bone-density" in ids
    assert ("knee-no-oa" in ids) == (grade <= 1)
    assert ("knee-oa-core" in ids) == (grade >= 2)
    assert ("knee-kl4-symptomatic-referral" in ids) == (grade == 4 and symptoms is True)
    assert any("OARSI 2019" in item.source_label for item in items)


@pytest.mark.parametrize(("profile", "expected"), [
    (Profile(age=67, sex="female"), "dxa-women-65"),
    (Profile(age=58, sex="female", postmenopausal=True, risk_tool_flagged=True), "dxa-postmenopausal-under-65-at-risk"),
    (Profile(age=58, sex="female", postmenopausal=True, glucocorticoids=True), "dxa-glucocorticoids"),
    (Profile(age=58, sex="female", postmenopausal=True, risk_band="low", smoker=False), "dxa-not-routine-now"),
    (Profile(age=72, sex="male"), "dxa-men-70"),
    (Profile(age=60, sex="male", smoker=True), "dxa-men-50-69-at-risk"),
    (Profile(age=55, sex="male", prior_fracture=True), "dxa-after-fragility-fracture"),
    (Profile(age=70, sex="female", bone_category="osteopenia", bone_source="dxa"), "dxa-osteopenia-follow-up"),
    (Profile(age=70, sex="female", bone_category="normal", bone_source="dxa"), "dxa-normal-follow-up"),
    (profile_from_image_bone_density("osteoporosis"), "image-estimate-not-validated"),
    (profile_from_image_bone_density("normal"), "image-estimate-not-validated"),
])
def test_selection_picks_the_expected_next_step(profile, expected):
    assert expected in _ids(profile)


def test_only_the_first_matching_rule_of_a_topic_is_kept():
    ids = _ids(Profile(age=67, sex="female", prior_fracture=True, risk_band="high"))
    assert ids.count("dxa-after-fragility-fracture") == 1
    assert "dxa-women-65" not in ids and "dxa-high-estimate" not in ids


@pytest.mark.parametrize(("profile", "expected", "absent"), [
    (Profile(bone_category="osteoporosis", bone_source="dxa", t_score=-2.7, age=70, sex="female"),
     "medication-osteoporosis", "medication-very-high-risk"),
    (Profile(bone_category="osteoporosis", bone_source="dxa", t_score=-3.4, age=70, sex="female"),
     "medication-very-high-risk", "medication-osteoporosis"),
    (Profile(bone_category="osteoporosis", bone_source="dxa", age=70, sex="female", multiple_fractures=True),
     "medication-very-high-risk", "medication-osteoporosis"),
    (Profile(bone_category="osteopenia", bone_source="dxa", age=70, sex="female", prior_fracture=True),
     "medication-osteopenia-fracture", "medication-osteoporosis"),
])
def test_medicine_classes_follow_the_dxa_category_and_very_high_risk(profile, expected, absent):
    ids = _ids(profile)
    assert expected in ids and absent not in ids


def test_normal_dxa_and_image_results_give_no_medicine_advice():
    for profile in (Profile(bone_category="normal", bone_source="dxa", age=70, sex="female"),
                    Profile(bone_category="osteoporosis", bone_source="image_bone_density", age=70, sex="female")):
        assert not [item for item in recommend(profile) if item.section == "medication"]


@pytest.mark.parametrize(("profile", "expected"), [
    (Profile(age=70, sex="female", falls=True), "falls-history"),
    (Profile(age=70, sex="female", smoker=True), "smoking-stop"),
    (Profile(age=70, sex="female", alcohol_drinks_per_day=3), "alcohol-heavy"),
    (Profile(age=70, sex="female", glucocorticoids=True), "glucocorticoids-bone-protection"),
    (Profile(age=70, sex="female"), "calcium-50-plus"),
    (Profile(age=40, sex="female"), "calcium-general"),
])
def test_patient_factors_select_their_advice(profile, expected):
    assert expected in _ids(profile)


def test_calcium_and_vitamin_d_targets_for_50_plus():
    texts = {item.rule_id: item.text for item in recommend(Profile(age=60, sex="male"))}
    assert "1,000–1,200 mg" in texts["calcium-50-plus"]
    assert "800–1,000 IU" in texts["vitamin-d-50-plus"]


def test_empty_profile_gives_no_advice():
    assert recommend(Profile()) == []


def test_profile_from_assessment_reads_patient_band_and_who_category():
    patient = SimpleNamespace(age=67.0, sex="female", menopause_status="postmenopausal", prior_fracture=True,
                              glucocorticoids=None, smoker_current=False, alcohol_drinks_per_day=1.0, t_score=-2.7)
    profile = profile_from_assessment(SimpleNamespace(patient=patient, band="high", who_category="osteoporosis"))
    assert profile.bone_source == "dxa" and profile.bone_category == "osteoporosis" and profile.t_score == -2.7
    assert profile.postmenopausal is True and profile.risk_band == "high"
    assert not profile.very_high_risk  # a prior fracture alone is not AACE's very high risk


@pytest.mark.parametrize(("values", "match"), [
    ({"bone_category": "severe", "bone_source": "dxa"}, "`bone_category` must be one of"),
    ({"bone_category": "normal"}, "give both or neither"),
    ({"t_score": -2.0}, "A T-score comes from DXA"),
    ({"age": 12}, r"`age` must be between 18 and 110 \(years\). Got 12"),
    ({"kl_grade": 5}, "`kl_grade` must be one of 0, 1, 2, 3, 4. Got 5"),
    ({"falls": "yes"}, "`falls` must be true, false or not given"),
])
def test_profile_refuses_bad_values(values, match):
    with pytest.raises(InputValidationError, match=match):
        Profile(**values)


def _write_rules(tmp_path, change) -> str:
    raw = yaml.safe_load(RULES_PATH.read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return str(path)


def _medication(raw):
    return next(rule for rule in raw["rules"] if rule["section"] == "medication")


@pytest.mark.parametrize(("change", "match"), [
    (lambda raw: raw["rules"][0]["when"].update(agee=3), "unknown condition `agee`"),
    (lambda raw: raw["rules"][0].update(sources=["nof1999"]), "unknown source 'nof1999'"),
    (lambda raw: raw["rules"][0].pop("reviewed"), "`reviewed` must be a date"),
    (lambda raw: raw["rules"][0].update(next_review=dt.date(2000, 1, 1)), "must be after `reviewed`"),
    (lambda raw: raw["rules"][0].update(sources=[]), "`sources` must be a non-empty list"),
    (lambda raw: _medication(raw).update(text="Take a bisphosphonate."), "must say \"discuss with your clinician\""),
    (lambda raw: _medication(raw).update(text="Discuss with your clinician: 70 mg weekly."), "never give a dose"),
    (lambda raw: raw["rules"].append(dict(raw["rules"][0])), "used more than once"),
    (lambda raw: raw["rules"][0].update(section="pills"), "`section` must be one of"),
    (lambda raw: raw["rules"][0]["when"].update(risk_band=["extreme"]), "`risk_band` allows"),
    (lambda raw: raw["sources"]["bhof2022"].update(url="http://example.org"), "must start with https://"),
])
def test_load_rules_refuses_broken_files_with_a_clear_message(tmp_path, change, match):
    with pytest.raises(RuleFileError, match=match):
        load_rules(_write_rules(tmp_path, change))


def test_load_rules_refuses_bad_yaml_and_missing_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules: [unclosed", encoding="utf-8")
    with pytest.raises(RuleFileError, match="not valid YAML"):
        load_rules(bad)
    with pytest.raises(RuleFileError, match="cannot read the file"):
        load_rules(tmp_path / "missing.yaml")
    with pytest.raises(ValueError):  # RuleFileError is also a ValueError
        load_rules(bad)


def test_due_for_review_lists_rules_past_their_date():
    rules = default_rules()
    assert rules.due_for_review(dt.date(2000, 1, 1)) == []
    assert len(rules.due_for_review(dt.date(2100, 1, 1))) == len(rules.rules)


@pytest.mark.parametrize("grade, expected", [(0, "knee-no-oa"), (2, "knee-oa-core"), (4, "knee-kl4-symptoms-unknown")])
def test_knee_advice_comes_from_the_rule_file_with_sources(grade, expected):
    from osteo_core.recommend import knee_advice

    advice = knee_advice(grade)
    assert expected in [a.rule_id for a in advice]
    assert all(a.section == "knee" and a.sources for a in advice)
    assert "knee-kl-not-bone-density" not in [a.rule_id for a in advice]
