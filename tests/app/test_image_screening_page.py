"""Image Screening page with tiny models: knee result with heatmap and post-test bar, hand answer, bad file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from osteo_core.clinical.risk_model import load_risk_model
from osteo_core.imaging.bone_density import load_bone_density_model
from osteo_core.imaging.gate import load_gate
from tests.imaging.conftest import encode, synthetic_knee
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
def test_knee_gives_category_t_score_heatmap_and_post_test(models):
    at = _upload(encode(synthetic_knee()))
    labels = [m.label for m in at.metric]
    assert "Most likely category (image model)" in labels and "Estimated T-score" in labels
    assert any("Knee radiograph recognised" in s.value for s in at.success)
    assert len(at.get("imgs")) >= 1 or len(at.get("image")) >= 1
    at.number_input[0].set_value(70)
    at.selectbox[0].set_value("female")
    at.number_input[1].set_value(55)
    at.number_input[2].set_value(158)
    at.button[0].click()
    at.run()
    assert not at.exception
    charts = at.get("plotly_chart")
    assert len(charts) == 3  # probabilities, T-score, pre/post


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
