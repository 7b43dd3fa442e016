"""Image Screening page with tiny models: when the image adds nothing beyond the clinical facts (the shipped
evaluation), that message first, the clinical estimate as the answer and the image output in a research-only expander;
when it adds (a synthetic evaluation), the warning and clinical estimate first, then the image estimate with its
interval; hand answer, bad file."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from osteo_core.clinical.risk_model import load_risk_model
from osteo_core.imaging.bone_density import load_bone_density_model
from osteo_core.imaging.gate import load_gate
from tests.helpers.images import encode, synthetic_knee
from tests.tiny_models import write_tiny_models

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "pages" / "image_screening.py")
SHIPPED_EVALUATION = json.loads((ROOT / "models" / "bone_density_knee" / "evaluation.json").read_text())
RESEARCH_EXPANDER = "Image model output — research only, adds nothing beyond the clinical facts"
PREFILL = "recommend_prefill"  # app_support.result_actions.PREFILL_KEY


def _image_adds_evaluation() -> dict:
    """The shipped evaluation with fused − clinical moved above 0 (CI 0.004 to 0.041): the image adds."""
    evaluation = copy.deepcopy(SHIPPED_EVALUATION)
    pair = evaluation["beyond_age"]["increments"]["fused minus clinical"]
    pair["auc_low_bone_mass_difference"].update(value=0.022, ci95_low=0.004, ci95_high=0.041)
    return evaluation


def _use_evaluation(models: Path, evaluation: dict) -> None:
    (models / "bone_density_knee" / "evaluation.json").write_text(json.dumps(evaluation))


def _clear() -> None:
    load_gate.cache_clear()
    load_bone_density_model.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture()
def models(request, tmp_path, monkeypatch) -> Path:
    root = write_tiny_models(tmp_path / "models", gate_favours=request.param)
    # the clinical model is the shipped one
    (root / "clinical_risk").symlink_to(ROOT / "models" / "clinical_risk")
    monkeypatch.setenv("OSTEO_MODELS_DIR", str(root))
    load_risk_model.cache_clear()
    _clear()
    yield root
    _clear()
    load_risk_model.cache_clear()


def _upload(data: bytes, name: str = "knee.png") -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    at.file_uploader(key="img_upload").set_value((name, data, "image/png"))
    at.run()
    assert not at.exception, at.exception
    return at


def _give_facts(at: AppTest) -> None:
    at.number_input[0].set_value(70)
    at.selectbox[0].set_value("female")
    at.number_input[1].set_value(55)
    at.number_input[2].set_value(158)
    at.button[0].click()
    at.run()
    assert not at.exception, at.exception


@pytest.mark.parametrize("models", ["knee"], indirect=True)
def test_knee_result_leads_with_the_warning_then_the_clinical_estimate_without_post_test(models):
    """The image adds beyond the clinical facts (synthetic evaluation): today's layout, image estimate in place."""
    _use_evaluation(models, _image_adds_evaluation())
    at = _upload(encode(synthetic_knee()))
    assert any("Knee radiograph recognised" in s.value for s in at.success)
    assert at.warning and at.warning[0].value.startswith("**Read this first")
    assert "never act on it alone" in at.warning[0].value
    assert not [m for m in at.metric if m.label == "Most likely category (image model)"]
    assert [s.value for s in at.subheader][1:3] == ["Clinical estimate from patient facts",
                                                    "Image model estimate — not validated, close to chance"]
    line = next(m.value for m in at.markdown if m.value.startswith("**Estimated T-score (image model)"))
    assert " % interval " in line and " SD)**" in line  # the interval is on the same line as the estimate
    probabilities = next(m.value for m in at.markdown if m.value.startswith("Probability a DXA would show"))
    assert all(part.split()[-1] == "%" and part.split()[-2].isdigit()
               for part in probabilities.rstrip(".").split(": ", 1)[1].split(", "))
    assert len(at.get("imgs")) >= 1 or len(at.get("image")) >= 1
    assert not [e for e in at.expander if e.label == RESEARCH_EXPANDER]
    assert not any("adds nothing" in w.value for w in at.warning)
    image_category = at.session_state[PREFILL]["image"]["bone_category"]
    assert image_category in ("normal", "osteopenia", "osteoporosis")  # recommended from the image before facts
    assert at.session_state[PREFILL]["image"]["bone_source"] == "image_bone_density"
    _give_facts(at)
    estimate = next(m.value for m in at.markdown if "probability that a hip DXA would show osteoporosis" in m.value)
    assert estimate.split(":** ")[1].split(" %")[0].isdigit()  # whole percent
    assert len(at.get("plotly_chart")) == 2  # probabilities and T-score; no pre/post-test chart
    text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert "post-test" not in text.replace("no post-test", "")
    prefill = at.session_state[PREFILL]["image"]
    assert prefill["age"] == 70 and prefill["sex"] == "female"  # the clinical facts, merged with the image
    assert prefill["bone_category"] == image_category and prefill["bone_source"] == "image_bone_density"


def _difference_text(value: float) -> str:
    return f"{value:+.3f}".replace("-", "−")


@pytest.mark.parametrize("models", ["knee"], indirect=True)
def test_when_the_image_adds_nothing_the_page_says_so_first_and_answers_with_the_clinical_estimate(models):
    _use_evaluation(models, SHIPPED_EVALUATION)
    at = _upload(encode(synthetic_knee()))
    assert any("Knee radiograph recognised" in s.value for s in at.success)
    # the first warning after recognition: the image adds nothing, with the numbers of the evaluation file
    first = at.warning[0].value
    assert first.startswith("**The image adds nothing measurable beyond the clinical facts.**")
    comparison = SHIPPED_EVALUATION["comparison"]
    pair = SHIPPED_EVALUATION["beyond_age"]["increments"]["fused minus clinical"]["auc_low_bone_mass_difference"]
    assert f"with AUC {comparison['fused']['auc_low_bone_mass']['value']:.2f}, the clinical facts alone " \
           f"{comparison['clinical']['auc_low_bone_mass']['value']:.2f}" in first
    assert (f"difference {_difference_text(pair['value'])}, 95 % CI {_difference_text(pair['ci95_low'])} to "
            f"{_difference_text(pair['ci95_high'])}") in first
    assert "the clinical estimate from the patient's facts" in first
    subheaders = [s.value for s in at.subheader]
    assert subheaders[:2] == ["Image check", "Answer: clinical estimate from patient facts"]
    # the image model's output only inside a collapsed research-only expander
    (research,) = [e for e in at.expander if e.label == RESEARCH_EXPANDER]
    assert not research.proto.expanded
    inside = [m.value for m in research.markdown]
    assert any(v.startswith("**Estimated T-score (image model)") for v in inside)
    assert any(v.startswith("Probability a DXA would show") for v in inside)
    assert len(research.get("plotly_chart")) == 2
    assert [w.value for w in research.warning][0].startswith("**How far to trust the image model.**")
    assert sum(m.value.startswith("**Estimated T-score (image model)") for m in at.markdown) == 1  # not outside
    assert "Image model estimate — not validated, close to chance" in [s.value for s in research.subheader]
    # no facts yet: the answer needs them, nothing is recommended from the image
    assert any(i.value.startswith("**The answer needs the patient's facts.**") for i in at.info)
    assert "Follow-up: advice, consult links and report" not in subheaders
    assert "image" not in (at.session_state[PREFILL] if PREFILL in at.session_state else {})
    _give_facts(at)
    estimate = next(m.value for m in at.markdown if "probability that a hip DXA would show osteoporosis" in m.value)
    assert estimate.split(":** ")[1].split(" %")[0].isdigit()
    assert "Follow-up: advice, consult links and report" in [s.value for s in at.subheader]
    assert not any(i.value.startswith("**The answer needs the patient's facts.**") for i in at.info)
    prefill = at.session_state[PREFILL]["image"]  # the recommendations' profile: the clinical facts only
    assert prefill["age"] == 70 and prefill["sex"] == "female"
    assert prefill.get("bone_category") is None and prefill.get("bone_source") is None
    assert at.warning[0].value == first  # still leads after the facts


@pytest.mark.parametrize("models", ["hand"], indirect=True)
def test_hand_is_recognised_and_answered_honestly(models):
    at = _upload(encode(synthetic_knee()))
    assert any("Hand radiograph recognised" in i.value and "no validated hand bone-density model" in i.value
               for i in at.info)
    assert not [m for m in at.metric if m.label == "Estimated T-score"]


@pytest.mark.parametrize("models", ["knee"], indirect=True)
def test_bad_files_are_refused_with_a_reason(models):
    at = _upload(b"\x89PNG broken", "broken.png")
    assert any("cannot be read" in e.value for e in at.error)
    at = _upload(encode(np.full((200, 200), 100, np.uint8)), "blank.png")
    assert any("uniform" in e.value for e in at.error)


def test_missing_models_show_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("OSTEO_MODELS_DIR", str(tmp_path))
    _clear()
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    assert not at.exception
    assert any("cannot be loaded" in e.value for e in at.error)
    _clear()
