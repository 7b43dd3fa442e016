"""WHO categories are defined once (osteo_core.clinical.who) and every copy in the app agrees with them."""

from __future__ import annotations

import pytest

from osteo_core.clinical import who
from osteo_core.clinical.patient import WHO_CATEGORY_TEXT, parse_patient

BASE = {"age": 66, "sex": "female", "weight_kg": 60, "height_cm": 160}


@pytest.mark.parametrize(("t_score", "category"), [
    (-1.0, "normal"), (-0.99, "normal"), (-1.0001, "osteopenia"), (-2.4999, "osteopenia"), (-2.5, "osteoporosis"),
])
def test_who_category_minus_one_is_normal(t_score, category):
    assert who.who_category(t_score) == category


def test_who_category_text_puts_minus_one_in_normal():
    assert "−1.0 or higher" in WHO_CATEGORY_TEXT["normal"]
    assert "below −1.0" in WHO_CATEGORY_TEXT["osteopenia"]


@pytest.mark.parametrize(("age", "sex", "postmenopausal", "noted"), [
    (45, "male", None, True), (55, "male", None, False), (40, "female", False, True), (48, "female", True, False),
    (45, "female", None, True), (60, "female", None, False), (60, "female", False, True),
])
def test_who_applicability_note_for_younger_and_premenopausal(age, sex, postmenopausal, noted):
    assert (who.who_applicability_note(age, sex, postmenopausal) is not None) is noted


def test_patient_who_note_only_with_a_t_score():
    young = parse_patient(BASE | {"age": 35, "t_score": -1.5})
    assert young.who_category == "osteopenia" and "Z-score" in young.who_note
    assert parse_patient(BASE | {"age": 35}).who_note is None
    assert parse_patient(BASE | {"t_score": -1.5}).who_note is None


def test_figures_use_the_who_boundaries():
    from osteo_core.imaging.figures import DENSITY_LABELS, t_score_figure

    assert DENSITY_LABELS == who.WHO_SHORT_TEXT
    shapes = t_score_figure(-1.0, (-2.0, 0.0)).layout.shapes
    normal = next(s for s, (_, _, name) in zip(shapes, who.WHO_BANDS, strict=True) if name == "normal")
    assert normal.x0 == who.NORMAL_FROM


def test_profile_form_and_rules_text_put_minus_one_in_normal():
    from app_support.profile_form import BONE_CHOICES
    from osteo_core.recommend import default_rules

    assert who.WHO_CATEGORY_TEXT["normal"] in BONE_CHOICES["dxa:normal"]
    texts = {rule.id: rule.text for rule in default_rules().rules}
    assert "T-score above −1.0 is normal" not in texts["dxa-normal-follow-up"]
    assert "−1.0 or higher" in texts["dxa-normal-follow-up"]
