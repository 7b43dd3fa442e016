"""Demo cases: a guided walk through five synthetic patients, results shown inline. Nothing is ever stored."""

from __future__ import annotations

import streamlit as st

from app_support import DISCLAIMER
from app_support.auth import page_guard
from app_support.loaders import warm_up_risk_model
from app_support.widgets import screening_tools_row
from osteo_core.clinical.assess import assess_patient
from osteo_core.demo import DEMO_CASES
from osteo_core.errors import ModelLoadError
from osteo_core.explain.plots import risk_gauge_figure, shap_waterfall_figure

page_guard(__file__)

st.title("🎬 Demo cases")
st.caption("Synthetic patients made by code for presentations — no real person. Nothing on this page is stored.")

total = len(DEMO_CASES)
index = min(max(int(st.session_state.get("demo_index", 0)), 0), total - 1)
case = DEMO_CASES[index]

back, where, forward = st.columns([1, 3, 1])
if back.button("← Previous", key="demo_previous", disabled=index == 0, width="stretch"):
    st.session_state["demo_index"] = index - 1
    st.rerun()
where.markdown(f"<div style='text-align:center'><b>Case {index + 1} of {total}</b></div>", unsafe_allow_html=True)
if forward.button("Next →", key="demo_next", disabled=index == total - 1, width="stretch"):
    st.session_state["demo_index"] = index + 1
    st.rerun()
st.progress((index + 1) / total)

st.header(case.title)
st.markdown(case.story)
st.info(f"**What to show:** {case.point}")
with st.expander("The inputs, as typed into Clinical risk"):
    st.json(case.values)

try:
    model = warm_up_risk_model()
except ModelLoadError as exc:
    st.error(f"The risk model cannot be loaded, so the demo cannot run. Details: {exc}")
    st.stop()
result = assess_patient(case.patient(), model=model)

band_icon = {"low": "🟢", "moderate": "🟠", "high": "🔴"}[result.band]
metric_col, text_col = st.columns([1, 2])
metric_col.metric("Estimated probability of a diagnosed osteoporosis", f"{100 * result.probability:.1f} %")
text_col.markdown(f"### {band_icon} {result.band.capitalize()} risk band\n{result.band_text}")
st.plotly_chart(risk_gauge_figure(result.probability, model.band_thresholds), width="stretch", key="demo_gauge")
if result.who_category_text:
    st.markdown(f"**DXA T-score {result.patient.t_score:.1f} SD** — WHO category: {result.who_category_text}.")
for warning in result.warnings:
    st.warning(warning)

screening_tools_row(result.tools)
if result.explanation is not None:
    st.subheader("What moved this estimate")
    st.plotly_chart(shap_waterfall_figure(result.explanation), width="stretch", key="demo_waterfall")

st.caption(f"Model version: `{result.model_version}` · Demo mode: nothing is stored.")
st.info(DISCLAIMER)
