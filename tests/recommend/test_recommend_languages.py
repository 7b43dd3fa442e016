"""Issue 16: recommendations and consult links in the reader's language. Rule titles and texts reach ``_()`` exactly
as the YAML loader (and so the catalogue extractor) gives them; guideline citations and quoted sections stay English."""

from __future__ import annotations

import io

import pytest
import yaml

from osteo_core.i18n import use_language
from osteo_core.i18n.extract import extract_rules_yaml
from osteo_core.recommend import Profile, consult, default_rules, engine, recommend, rules
from osteo_core.recommend.consult import load_consult_directory, region_label
from osteo_core.recommend.rules import RULES_PATH, SECTIONS

PROFILE = Profile(bone_category="osteoporosis", bone_source="dxa", t_score=-2.7, age=70, sex="female",
                  postmenopausal=True, prior_fracture=True, falls=True, smoker=True)


def _marked(message: str) -> str:
    return f"<<{message}>>"


def test_rule_msgids_are_exactly_what_the_yaml_loader_and_the_extractor_give():
    raw = yaml.safe_load(RULES_PATH.read_text(encoding="utf-8"))["rules"]
    loaded = {rule.id: rule for rule in default_rules().rules}
    found = extract_rules_yaml(io.BytesIO(RULES_PATH.read_bytes()), None, None, None)
    extracted = {message for _line, _function, message, _comments in found}
    for entry in raw:
        rule = loaded[entry["id"]]
        assert (rule.title_msgid, rule.text_msgid) == (entry["title"], entry["text"]), rule.id
        assert {rule.title_msgid, rule.text_msgid} <= extracted, rule.id


def test_recommendations_pass_the_exact_msgids_through_the_translator(monkeypatch):
    monkeypatch.setattr(rules, "_", _marked)
    monkeypatch.setattr(engine, "_", _marked)
    items = recommend(PROFILE)
    assert items
    by_id = {rule.id: rule for rule in default_rules().rules}
    for item in items:
        rule = by_id[item.rule_id]
        assert item.title == _marked(rule.title_msgid).strip()
        assert item.text == " ".join(_marked(rule.text_msgid).split())
        assert item.section_title == _marked(SECTIONS[item.section])
        assert "<<" not in item.source_label  # citations and quoted guideline sections stay in English


def test_without_a_translation_the_english_wording_is_unchanged():
    with use_language("hi"):
        shown = {item.rule_id: (item.title, item.text) for item in recommend(PROFILE)}
    english = {rule.id: (rule.title, rule.text) for rule in default_rules().rules}
    for rule_id, (title, text) in shown.items():
        if title.isascii():  # not yet in the Hindi catalogue: exactly the English text
            assert title == english[rule_id][0]
        if text.isascii():
            assert text == english[rule_id][1]


def test_fact_sources_use_the_language_number_format():
    profile = Profile(bone_category="osteopenia", bone_source="dxa", t_score=-1.8, t_score_estimate=-2.2,
                      t_score_estimate_low=-3.0, t_score_estimate_high=-1.4, risk_band="moderate")
    with use_language("es"):
        values = " ".join(value for _, value, _ in profile.fact_sources())
    assert "−1,8" in values and "−2,2" in values and "−3,0" in values


@pytest.mark.parametrize("language", ["en", "es", "hi"])
def test_profile_problems_keep_their_field_names_and_values(language):
    from osteo_core.errors import InputValidationError

    with use_language(language), pytest.raises(InputValidationError) as info:
        Profile(age=12)
    assert "`age`" in str(info.value) and "12" in str(info.value)


def test_consult_words_go_through_the_translator(monkeypatch):
    monkeypatch.setattr(consult, "_", _marked)
    directory = load_consult_directory(consult.EXAMPLE_PATH)
    link = directory.links[0]
    assert link.kind_label == _marked(consult.KINDS[link.kind])
    assert link.shown_name == _marked(link.name) and link.shown_description == _marked(link.description)
    assert region_label("India") == _marked("India")
    assert consult.DEFAULT_DIRECTORY.shown_origin == _marked("built-in defaults")
    assert link.url.startswith("https://") and "<<" not in link.url


def test_the_example_directory_words_are_marked_for_translation():
    raw = yaml.safe_load(consult.EXAMPLE_PATH.read_text(encoding="utf-8"))
    marked = set(consult.DIRECTORY_WORDS)
    assert set(raw["regions"]) <= marked
    assert {entry["description"] for entry in raw["links"] if entry.get("description")} <= marked
    assert consult.DEFAULT_DIRECTORY.links[0].description in marked
