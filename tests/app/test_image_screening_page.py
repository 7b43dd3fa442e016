"""Image Screening page with tiny models: warning and clinical estimate first, image estimate with its interval,
hand answer, bad file."""

from __future__ import annotations

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


@pytest.mark.parametrize("models", ["knee"], indirect=True)
def test_knee_result_leads_with_the_warning_then_the_clinical_estimate_without_post_test(models):
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
    at.number_input[0].set_value(70)
    at.selectbox[0].set_value("female")
    at.number_input[1].set_value(55)
    at.number_input[2].set_value(158)
    at.button[0].click()
    at.run()
    assert not at.exception
    estimate = next(m.value for m in at.markdown if "probability that a hip DXA would show osteoporosis" in m.value)
    assert estimate.split(":** ")[1].split(" %")[0].isdigit()  # whole percent
    assert len(at.get("plotly_chart")) == 2  # probabilities and T-score; no pre/post-test chart
    text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert "post-test" not in text.replace("no post-test", "")


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
