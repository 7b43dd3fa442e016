"""The rule "ship the image model only as far as it earns": whether the image adds anything beyond the clinical facts
(fused − clinical, same folds, from evaluation.json) and the message the page and the PDF lead with when it does not.
One definition, shared with the model card."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from osteo_core.i18n import use_language
from osteo_core.imaging import bone_density
from osteo_core.imaging.bone_density import image_adds_beyond_clinical, image_adds_nothing_message

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = json.loads((ROOT / "models" / "bone_density_knee" / "evaluation.json").read_text())


def _with_difference(key: str, low: float, high: float = 0.05) -> dict:
    evaluation = copy.deepcopy(SHIPPED)
    pair = evaluation["beyond_age"]["increments"]["fused minus clinical"]
    pair[key].update(value=(low + high) / 2, ci95_low=low, ci95_high=high)
    return evaluation


def test_the_shipped_evaluation_says_the_image_adds_nothing():
    pair = SHIPPED["beyond_age"]["increments"]["fused minus clinical"]
    assert all(pair[key]["ci95_low"] <= 0 for key in ("auc_low_bone_mass_difference", "auc_osteoporosis_difference"))
    assert image_adds_beyond_clinical(SHIPPED) is False


@pytest.mark.parametrize("key", ["auc_low_bone_mass_difference", "auc_osteoporosis_difference"])
def test_a_ci_above_zero_for_either_outcome_means_the_image_adds(key):
    assert image_adds_beyond_clinical(_with_difference(key, 0.002)) is True
    assert image_adds_beyond_clinical(_with_difference(key, 0.0)) is False  # touching 0 is not above it


@pytest.mark.parametrize("evaluation", [
    None, {}, {"beyond_age": {}}, {"beyond_age": {"increments": {}}},
    {"beyond_age": {"increments": {"fused minus clinical": {}}}},
    {"beyond_age": {"increments": {"fused minus clinical": {"auc_low_bone_mass_difference": {"value": 0.1}}}}},
    {"beyond_age": {"increments": {"fused minus clinical": {"auc_low_bone_mass_difference": {"ci95_low": "n/a"}}}}},
    {"beyond_age": {"increments": {"fused minus clinical": {"auc_low_bone_mass_difference": {"ci95_low": None}}}}},
    [],
])
def test_a_missing_or_incomplete_evaluation_means_unproven_so_nothing_added(evaluation):
    assert image_adds_beyond_clinical(evaluation) is False


def test_the_model_card_uses_the_same_rule():
    from training import bone_density_card

    assert bone_density_card.image_adds_beyond_clinical is bone_density.image_adds_beyond_clinical


def test_the_message_gives_the_numbers_of_the_evaluation_file():
    message = image_adds_nothing_message(SHIPPED)
    assert message.startswith("**The image adds nothing measurable beyond the clinical facts.**")
    fused = SHIPPED["comparison"]["fused"]["auc_low_bone_mass"]["value"]
    clinical = SHIPPED["comparison"]["clinical"]["auc_low_bone_mass"]["value"]
    pair = SHIPPED["beyond_age"]["increments"]["fused minus clinical"]["auc_low_bone_mass_difference"]
    signed = {k: f"{pair[k]:+.3f}".replace("-", "−") for k in ("value", "ci95_low", "ci95_high")}
    assert f"AUC {fused:.2f}, the clinical facts alone {clinical:.2f}" in message
    assert f"(difference {signed['value']}, 95 % CI {signed['ci95_low']} to {signed['ci95_high']})" in message
    assert "the clinical estimate from the patient's facts" in message and "only for research" in message
    changed = copy.deepcopy(SHIPPED)
    changed["comparison"]["fused"]["auc_low_bone_mass"]["value"] = 0.8123
    changed["beyond_age"]["increments"]["fused minus clinical"]["auc_low_bone_mass_difference"]["ci95_low"] = -0.2
    assert "AUC 0.81," in image_adds_nothing_message(changed)  # read from the file, not typed
    assert "95 % CI −0.200 to" in image_adds_nothing_message(changed)


@pytest.mark.parametrize("evaluation", [None, {}, {"comparison": SHIPPED["comparison"]}])
def test_the_message_without_a_complete_evaluation_says_it_is_unproven(evaluation):
    message = image_adds_nothing_message(evaluation)
    assert message.startswith("**The image has not been shown to add anything beyond the clinical facts:**")
    assert "missing or incomplete" in message and "AUC" not in message
    assert "the clinical estimate from the patient's facts" in message


@pytest.mark.parametrize("language, fused, marker", [("es", "0,94", "La imagen no aporta nada medible"),
                                                     ("hi", "0.94", "छवि क्लिनिकल तथ्यों से आगे")])
def test_the_message_follows_the_language(language, fused, marker):
    with use_language(language):
        message = image_adds_nothing_message(SHIPPED)
        missing = image_adds_nothing_message(None)
    assert marker in message and fused in message and message.startswith("**")
    assert "−0" in message and "+0" in message  # the signed difference and CI survive translation
    assert "clinical facts" not in message and "clinical facts" not in missing
