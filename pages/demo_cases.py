"""Demo cases: a guided walk through five synthetic patients, results shown inline. Nothing is ever stored."""

from __future__ import annotations

import streamlit as st

from app_support import DISCLAIMER
from app_support.auth import page_guard
from app_support.loaders import warm_up_risk_model
from app_support.risk_panel import show_risk_result
from osteo_core.clinical import assess_patient
from osteo_core.demo import DEMO_CASES
from osteo_core.errors import ModelLoadError
from osteo_core.i18n import _

page_guard(__file__)

st.title("🎬 " + _("Demo cases"))
st.caption(_("Synthetic patients made by code for presentations — no real person. Nothing on this page is stored."))

total = len(DEMO_CASES)
index = min(max(int(st.session_state.get("demo_index", 0)), 0), total - 1)
case = DEMO_CASES[index]

back, where, forward = st.columns([1, 3, 1])
if back.button(_("← Previous"), key="demo_previous", disabled=index == 0, width="stretch"):
    st.session_state["demo_index"] = index - 1
    st.rerun()
position = _("Case {number} of {total}").format(number=index + 1, total=total)
where.markdown(f"<div style='text-align:center'><b>{position}</b></div>", unsafe_allow_html=True)
if forward.button(_("Next →"), key="demo_next", disabled=index == total - 1, width="stretch"):
    st.session_state["demo_index"] = index + 1
    st.rerun()
st.progress((index + 1) / total)

st.header(_(case.title))  # the demo texts are English constants of osteo_core.demo, translated here
st.markdown(_(case.story))
st.info(_("**What to show:** {point}").format(point=_(case.point)))
with st.expander(_("The inputs, as typed into Clinical risk")):
    st.json(case.values)

try:
    model = warm_up_risk_model()
except ModelLoadError as exc:
    st.error(_("The risk model cannot be loaded, so the demo cannot run. Details: {error}").format(error=exc))
    st.stop()
result = assess_patient(case.patient(), model=model)

show_risk_result(result, model.band_thresholds, key="demo", show_modifiable=False)

st.caption(_("Model version: `{version}` · Demo mode: nothing is stored.").format(version=result.model_version))
st.info(_(DISCLAIMER))
