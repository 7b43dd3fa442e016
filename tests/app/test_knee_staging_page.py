"""Knee Staging page: a graded synthetic knee (tiny model), a refused colour/blank image and a missing model."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from osteo_core.imaging.knee_grader import load_knee_grader
from osteo_core.model_files import write_manifest
from tests.helpers.images import SIZE, encode, synthetic_knee
from tests.tiny_models import build_tiny_kl_model, write_tiny_models

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "pages" / "knee_staging.py")
TINY_EVALUATION = {"test": {"n": 1234, "accuracy": 0.4567, "qwk": 0.7654},
                   "conformal": {"coverage": 0.9, "test_coverage": 0.912}}
GRADE_METRIC = re.compile(r"^KL [0-4] — (None|Doubtful|Minimal|Moderate|Severe)$")


def _clear_caches() -> None:
    from osteo_core.imaging.gate import load_gate

    load_gate.cache_clear()
    load_knee_grader.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture(scope="module")
def tiny_models_dir(tmp_path_factory) -> Path:
    """A models folder holding the tiny KL model as ``knee_kl/`` with a manifest and a model card."""
    root = write_tiny_models(tmp_path_factory.mktemp("models"))  # tiny gate (always "knee") and models
    folder = root / "knee_kl"
    weights = folder / "model.keras"
    build_tiny_kl_model().save(weights)
    write_manifest(folder, weights, {"input_size": SIZE, "decoding": "argmax", "version": "tiny-test",
                                     "conformal": {"threshold": 0.8, "coverage": 0.9}})
    (folder / "model_card.md").write_text("# Tiny knee test model\n\nHand-built for tests.\n")
    (folder / "evaluation.json").write_text(json.dumps(TINY_EVALUATION))
    return root


@pytest.fixture()
def models_dir(request, monkeypatch, tmp_path) -> Path:
    folder = request.getfixturevalue("tiny_models_dir") if request.param == "tiny" else tmp_path
    monkeypatch.setenv("OSTEO_MODELS_DIR", str(folder))
    _clear_caches()
    yield folder
    _clear_caches()


def _page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def _upload(at: AppTest, name: str, data: bytes, mime: str = "image/png") -> AppTest:
    at.file_uploader(key="knee_upload").set_value((name, data, mime))
    at.run()
    assert not at.exception, at.exception
    return at


def _all_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.value for e in at.error] + [w.value for w in at.warning] + [i.value for i in at.info]
    return "\n".join(str(p) for p in parts)


def _image_captions(at: AppTest) -> list[str]:
    """Captions of every image drawn (``st.image``), in page order."""
    return [caption for element in at.get("image") for caption in element.captions]


@pytest.mark.parametrize("models_dir", ["tiny"], indirect=True)
def test_page_before_upload_states_what_kl_is_and_what_is_accepted(models_dir):
    at = _page()
    assert at.title[0].value == "🦵 Knee osteoarthritis staging (Kellgren–Lawrence)"
    text = _all_text(at)
    assert "osteoarthritis" in text and "nothing about bone density or osteoporosis" in text
    assert "not a diagnosis" in text
    assert "learned body-part check" in text
    assert "Model version: `tiny-test`" in text
    assert at.file_uploader(key="knee_upload").allowed_type == [".png", ".jpg", ".jpeg", ".dcm"]
    assert not at.metric
    assert not at.error


@pytest.mark.parametrize("models_dir", ["tiny"], indirect=True)
def test_synthetic_knee_is_graded_with_range_bars_and_overlay(models_dir):
    image = synthetic_knee()
    expected = load_knee_grader(models_dir / "knee_kl").predict([image])[0]
    at = _upload(_page(), "knee.png", encode(image, ".png"))

    assert not at.error
    assert len(at.metric) == 1
    metric = at.metric[0].value
    assert GRADE_METRIC.match(metric), metric
    assert metric.startswith(f"KL {expected.grade} — ")
    text = _all_text(at)
    low, high = expected.grade_range
    grades = f"KL {low}" if low == high else f"KL {low}–{high}"
    assert f"For 90 % of knees like this one, the true grade lies in {grades}." in text
    assert "confidence the grade" not in text
    # the measured accuracy is read from the model's evaluation.json, next to the grade
    assert "Measured on 1,234 held-out test knees" in text and "46 %" in text and "0.77" in text
    assert "held the true grade for 91 %" in text
    assert f"What KL {expected.grade} means" in text
    assert "not a lesion finding" in text
    assert "Next step" in [s.value for s in at.subheader]
    assert "Recommendations page" in text
    assert "Tiny knee test model" in text  # model card in the expander
    assert len(at.get("plotly_chart")) == 1
    captions = _image_captions(at)
    assert len(captions) == 2, "model view and Grad-CAM overlay side by side"
    assert "as the model saw it" in captions[0]
    assert captions[1] == f"Grad-CAM for KL {expected.grade}"

    at.slider(key="knee_opacity").set_value(0.9).run()
    assert not at.exception
    at.radio(key="knee_cam_method").set_value("gradcam++").run()
    assert not at.exception
    assert _image_captions(at)[1] == f"Grad-CAM++ for KL {expected.grade}"
    assert at.metric[0].value == metric


@pytest.mark.parametrize("models_dir", ["tiny"], indirect=True)
def test_graded_knee_offers_recommendations_consult_links_and_a_pdf_report(models_dir):
    image = synthetic_knee()
    expected = load_knee_grader(models_dir / "knee_kl").predict([image])[0]
    at = _upload(_page(), "knee.png", encode(image, ".png"))
    assert "Follow-up: advice, consult links and report" in [s.value for s in at.subheader]
    downloads = at.get("download_button")
    assert len(downloads) == 1 and downloads[0].proto.label == "Download PDF case report"
    assert at.checkbox(key="knee_anonymise").value is True
    assert at.session_state["recommend_prefill"]["knee"]["kl_grade"] == expected.grade
    assert any(m.value.startswith("- [") and "](https://" in m.value for m in at.markdown)


def _colour_photo() -> np.ndarray:
    """A vivid BGR image with plenty of gray-level contrast (so only the colour check refuses it)."""
    ramp = np.tile(np.arange(200, dtype=np.uint8), (200, 1))
    return np.dstack([np.full((200, 200), 20, np.uint8), ramp, np.full((200, 200), 230, np.uint8)])


@pytest.mark.parametrize("models_dir", ["tiny"], indirect=True)
@pytest.mark.parametrize(("name", "make", "reason"), [
    ("photo.png", _colour_photo, "in colour"),
    ("blank.png", lambda: np.full((256, 256), 128, np.uint8), "nearly uniform"),
])
def test_colour_photo_or_blank_image_is_refused(models_dir, name, make, reason):
    at = _upload(_page(), name, encode(make(), ".png"))
    assert len(at.error) == 1
    message = at.error[0].value
    assert f"{name} cannot be graded" in message
    assert reason in message
    assert "Only knee radiographs (an AP/PA view of one knee joint) are graded." in message
    assert not at.metric
    assert not _image_captions(at)


@pytest.mark.parametrize("models_dir", ["tiny"], indirect=True)
def test_corrupt_file_is_refused_in_plain_words(models_dir):
    at = _upload(_page(), "knee.jpg", b"not an image at all", "image/jpeg")
    assert len(at.error) == 1
    assert "not a readable PNG, JPEG" in at.error[0].value
    assert not at.metric


@pytest.mark.parametrize("models_dir", ["empty"], indirect=True)
def test_missing_model_shows_the_load_error_and_the_rest_of_the_page(models_dir):
    at = _page()
    assert len(at.error) == 1
    assert "The knee model or the body-part check cannot be loaded" in at.error[0].value
    assert at.file_uploader(key="knee_upload")
    assert "missing" in _all_text(at)  # model card fallback
    at = _upload(at, "knee.png", encode(synthetic_knee(), ".png"))
    assert not at.metric
    assert "passes the sanity checks, but it cannot be graded" in at.warning[0].value


@pytest.mark.parametrize("models_dir", ["tiny"], indirect=True)
def test_a_wrong_image_runtime_setting_shows_the_load_error_not_a_crash(models_dir, monkeypatch):
    monkeypatch.setenv("OSTEO_IMAGE_RUNTIME", "onnx")
    at = _page()
    assert len(at.error) == 1
    message = at.error[0].value
    assert "The knee model or the body-part check cannot be loaded" in message
    assert "OSTEO_IMAGE_RUNTIME must be one of litert, keras" in message
    assert at.file_uploader(key="knee_upload")


def test_app_lists_knee_staging_under_screening_and_switches_to_it(monkeypatch, tmp_path):
    monkeypatch.setenv("OSTEO_MODELS_DIR", str(tmp_path))
    _clear_caches()
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120).run()
    at.switch_page("pages/knee_staging.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value.startswith("🦵 Knee osteoarthritis staging")
