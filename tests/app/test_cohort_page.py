"""Cohort page: upload, editable column mapping, scoring with results and dashboard, bad files, Excel sheets,
the outcome section, the row cap and freeing state; and the Radiograph batch page (missing model, tiny model)."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from osteo_core.clinical.risk_model import load_risk_model
from osteo_core.cohort.demo import demo_cohort
from tests.helpers.images import encode, synthetic_knee
from tests.tiny_models import write_tiny_models

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "pages" / "cohort.py")
BATCH_PAGE = str(ROOT / "pages" / "radiograph_batch.py")


def _models(root: Path, tiny_knee: bool) -> Path:
    """A models folder with the shipped clinical risk model and, optionally, the tiny knee model."""
    if tiny_knee:
        write_tiny_models(root)
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "models" / "clinical_risk", root / "clinical_risk")
    return root


@pytest.fixture()
def at(tmp_path, monkeypatch) -> AppTest:
    monkeypatch.setenv("OSTEO_MODELS_DIR", str(_models(tmp_path / "models", tiny_knee=False)))
    st.cache_resource.clear()
    app = AppTest.from_file(PAGE, default_timeout=180)
    app.run()
    assert not app.exception, app.exception
    yield app
    st.cache_resource.clear()


def _text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [s.value for s in at.success]
    parts += [e.value for e in at.error] + [w.value for w in at.warning] + [i.value for i in at.info]
    return "\n".join(str(p) for p in parts)


def _upload(at: AppTest, name: str, data: bytes) -> None:
    at.file_uploader(key="cohort_file").set_value((name, data, "application/octet-stream"))
    at.run()
    assert not at.exception, at.exception


def _score(at: AppTest) -> None:
    at.button(key="cohort_score").click().run()
    assert not at.exception, at.exception


def _cohort_csv(rows: int = 400) -> bytes:
    frame = demo_cohort(rows, seed=5, model=load_risk_model(), bad_share=0.0).astype(str)
    frame.loc[3, "age"] = "12"
    frame.loc[4, "weight_kg"] = "heavy"
    frame["note"] = "=HYPERLINK(\"x\")"
    return frame.to_csv(index=False).encode()


def test_page_explains_limits_and_the_missing_knee_model(at):
    assert at.title[0].value == "📊 Cohort screening"
    text = _text(at)
    assert "200 MB" in text and "python -m osteo_core score-cohort" in text and "--dask" in text
    assert "not a diagnosis" in text and "500,000 rows" in text
    assert not at.metric
    batch = AppTest.from_file(BATCH_PAGE, default_timeout=180).run()
    assert not batch.exception and "knee radiograph model is not available yet" in _text(batch)


def test_upload_score_and_dashboard(at):
    _upload(at, "cohort.csv", _cohort_csv())
    assert at.selectbox(key="map_weight_kg").value == "weight_kg"
    assert at.selectbox(key="map_outcome").value == "outcome"
    _score(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Rows"] == "400" and metrics["Scored"] == "398" and metrics["Rows with problems"] == "2"
    text = _text(at)
    assert "Refer the top 10 % (40 of 398 scored patients) → 40 DXA scans" in text
    assert "hip DXA osteoporosis" in text and "AUC (95% CI, DeLong)" in metrics
    charts = {chart.key for chart in at.get("plotly_chart")}
    assert charts == {"fig_risk", "fig_curve", "fig_shares", "fig_roc", "fig_calibration", "fig_decision"}
    downloads = [d.proto.label for d in at.get("download_button")]
    assert {"Scored cohort (CSV)", "Scored cohort (Parquet)", "One-page summary (HTML)"} <= set(downloads)
    at.slider(key="cohort_share").set_value(25).run()
    assert "Refer the top 25 % (100 of 398 scored patients)" in _text(at)
    at.checkbox(key="filter_issues").check().run()
    assert "2 matching rows" in _text(at)


def test_global_drivers_state_the_sample_size(at):
    _upload(at, "cohort.csv", _cohort_csv(150))
    _score(at)
    at.button(key="cohort_drivers_button").click().run()
    assert not at.exception, at.exception
    assert "random sample of 148 scored patients" in _text(at)


def test_kaggle_layout_is_explained_and_refused_until_weight_and_height_are_mapped(at):
    frame = pd.DataFrame({"Id": [1, 2], "Age": [69, 32], "Gender": ["Female", "Male"],
                          "Body Weight": ["Underweight", "Normal"], "Smoking": ["Yes", "No"],
                          "Osteoporosis": [1, 0]})
    _upload(at, "osteoporosis.csv", frame.to_csv(index=False).encode())
    text = _text(at)
    assert "cannot be scored" in text and "'Body Weight' holds words" in text
    _score(at)
    assert "Cannot score: no column chosen for `weight_kg`, `height_cm`" in _text(at)
    assert not at.metric


def test_mapping_can_be_edited_with_units(at):
    frame = pd.DataFrame({"Years": ["70", "55"], "Gender": ["F", "M"], "Wt": ["130", "200"], "Ht": ["63", "70"]})
    _upload(at, "odd.csv", frame.to_csv(index=False).encode())
    at.selectbox(key="map_age").set_value("Years")
    at.selectbox(key="map_sex").set_value("Gender")
    at.selectbox(key="map_weight_kg").set_value("Wt")
    at.radio(key="map_weight_kg_unit").set_value("lb")
    at.selectbox(key="map_height_cm").set_value("Ht")
    at.radio(key="map_height_cm_unit").set_value("in")
    _score(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Scored"] == "2" and metrics["Rows with problems"] == "0"


def test_same_column_for_two_fields_is_refused(at):
    _upload(at, "c.csv", b"age,sex,weight_kg,height_cm\n60,F,60,160\n")
    at.selectbox(key="map_height_cm").set_value("weight_kg")
    _score(at)
    assert "chosen for both" in _text(at)


def test_garbage_and_empty_files_give_a_clear_error(at):
    _upload(at, "bad.parquet", b"this is not parquet")
    assert "Cannot read bad.parquet" in _text(at) and "Nothing was scored" in _text(at)
    _upload(at, "empty.csv", b"")
    assert "empty.csv is empty" in _text(at)


def test_excel_sheet_can_be_chosen(at):
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer) as writer:
        pd.DataFrame({"readme": ["notes"]}).to_excel(writer, sheet_name="About", index=False)
        pd.DataFrame({"age": [67], "sex": ["F"], "weight_kg": [58], "height_cm": [160]}).to_excel(
            writer, sheet_name="Patients", index=False)
    _upload(at, "book.xlsx", buffer.getvalue())
    assert "The workbook has 2 sheets; reading 'About'." in _text(at)
    at.selectbox(key="cohort_sheet").set_value("Patients").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="map_age").value == "age"
    _score(at)
    assert {m.label: m.value for m in at.metric}["Scored"] == "1"


def test_radiograph_batch_with_tiny_model(tmp_path, monkeypatch):
    monkeypatch.setenv("OSTEO_MODELS_DIR", str(_models(tmp_path / "models", tiny_knee=True)))
    st.cache_resource.clear()
    at = AppTest.from_file(BATCH_PAGE, default_timeout=180)
    at.run()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a/k1.png", encode(synthetic_knee(seed=1)))
        archive.writestr("a/k2.png", encode(synthetic_knee(seed=2)))
        archive.writestr("a/readme.txt", b"not an image")
    at.file_uploader(key="image_files").set_value([("knees.zip", buffer.getvalue(), "application/zip")])
    at.run()
    at.button(key="image_grade").click().run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Files"], metrics["Graded"], metrics["Rejected"]) == ("3", "2", "1")
    assert "Rejected files and why" in _text(at)
    st.cache_resource.clear()


def test_page_file_stays_small():
    assert len(Path(PAGE).read_text().splitlines()) <= 150
    assert len(Path(BATCH_PAGE).read_text().splitlines()) <= 150


def test_result_lives_in_one_session_object_and_is_freed_when_the_file_goes(at):
    _upload(at, "cohort.csv", _cohort_csv(50))
    _score(at)
    session = at.session_state["cohort"]
    assert session.result is not None and len(session.result.scored) == 50
    assert not [k for k in at.session_state if str(k).startswith("cohort_") and str(k) not in
                ("cohort_file", "cohort_share", "cohort_capacity", "cohort_example", "cohort_score",
                 "cohort_drivers_button", "cohort_table", "cohort_sheet", "cohort_mapping")]
    at.file_uploader(key="cohort_file").set_value(None).run()
    assert not at.exception, at.exception
    assert at.session_state["cohort"].result is None and at.session_state["cohort"].table is None


def test_upload_over_the_row_cap_is_refused_with_the_reason(at, monkeypatch):
    from osteo_core.cohort import reading

    monkeypatch.setattr(reading, "MAX_PAGE_ROWS", 30)
    import app_support.cohort_session as cohort_session

    monkeypatch.setattr(cohort_session, "MAX_PAGE_ROWS", 30)
    _upload(at, "cohort.csv", _cohort_csv(50))
    assert "more than 30 rows, the limit for one upload here" in _text(at)
    assert at.session_state["cohort"].table is None


def test_leaving_the_cohort_pages_frees_the_table_and_results():
    from app_support.cohort_session import KEY, CohortSession

    app = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120).run()
    app.session_state[KEY] = CohortSession(key="example", table="a loaded table", result="a scored result")
    app.session_state["image_result"] = "graded radiographs"
    app.switch_page("pages/model_cards.py").run()  # any other page: the app's runner frees what was left behind
    assert not app.exception
    assert "image_result" not in app.session_state
    assert app.session_state[KEY].table is None and app.session_state[KEY].result is None
