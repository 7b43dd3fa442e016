"""Clinical risk: routine facts → estimated chance of hip DXA osteoporosis, estimated T-score, screening tools, SHAP."""

from __future__ import annotations

from functools import partial

import streamlit as st

from app_support import DISCLAIMER
from app_support.auth import page_guard
from app_support.history import clinical_record, offer_save_screening
from app_support.loaders import read_model_card, warm_up_risk_model
from app_support.result_actions import result_actions
from app_support.risk_panel import show_risk_result
from app_support.widgets import (
    category,
    compact,
    error_slot,
    help_text,
    issues_summary,
    label,
    show_field_issues,
    yes_no,
)
from osteo_core.clinical import RACE_LABELS, assess_patient, parse_patient
from osteo_core.errors import InputValidationError, ModelLoadError
from osteo_core.i18n import N_, _
from osteo_core.recommend import profile_from_assessment
from osteo_core.report import clinical_case_report

page_guard(__file__)

ESTROGEN_LABELS = {"never": N_("Never"), "past": N_("Past"), "current": N_("Current")}
MENOPAUSE_LABELS = {"premenopausal": N_("Premenopausal"), "perimenopausal": N_("Perimenopausal"),
                    "postmenopausal": N_("Postmenopausal"), "not_applicable": N_("Not applicable (men)")}
SEX_LABELS = {"female": N_("Female"), "male": N_("Male")}

st.title("🩺 " + _("Clinical risk"))
st.info(_(DISCLAIMER))

model = None
try:
    model = warm_up_risk_model()
except ModelLoadError as exc:
    st.error(_("The risk model cannot be loaded, so no estimate can be made. Details: {error}").format(error=exc))

summary = st.empty()
slots: dict = {}
with st.form("patient"):
    st.subheader(_("Patient"))
    left, middle, right = st.columns(3)
    with left:
        age = st.number_input(label("age"), value=None, step=1.0, format="%g", key="age")
        error_slot(slots, "age")
        sex = st.radio(label("sex"), list(SEX_LABELS), index=None, key="sex", horizontal=True,
                       format_func=lambda value: _(SEX_LABELS[value]))
        error_slot(slots, "sex")
        weight_unit = st.radio(_("Weight unit"), ["kg", "lb"], key="weight_unit", horizontal=True)
        weight = st.number_input(_("Weight (kg or lb, as chosen above)"), value=None, step=0.5, format="%g",
                                 key="weight")
        error_slot(slots, "weight_kg")
        height_unit = st.radio(_("Height unit"), ["cm", "in"], key="height_unit", horizontal=True)
        height = st.number_input(_("Height (cm or in, as chosen above)"), value=None, step=0.5, format="%g",
                                 key="height")
        error_slot(slots, "height_cm", "bmi")
        race = category("race", RACE_LABELS, key="race", text=_("Race/ethnicity (optional)"))
        error_slot(slots, "race")
    with middle:
        prior_fracture = yes_no("prior_fracture", key="prior_fracture")
        error_slot(slots, "prior_fracture")
        fracture_count = st.number_input(label("fracture_count_after_45", "number"), value=None, step=1,
                                         help=help_text("fracture_count_after_45"), key="fracture_count")
        error_slot(slots, "fracture_count_after_45")
        parent_hip = yes_no("parent_hip_fracture", key="parent_hip_fracture")
        error_slot(slots, "parent_hip_fracture")
        glucocorticoids = yes_no("glucocorticoids", key="glucocorticoids",
                                 text=_("Glucocorticoid use (≥3 months daily)"))
        error_slot(slots, "glucocorticoids")
        smoker = yes_no("smoker_current", key="smoker_current", text=_("Current smoking"))
        error_slot(slots, "smoker_current")
        alcohol = st.number_input(label("alcohol_drinks_per_day"), value=None, step=0.5, format="%g",
                                  help=help_text("alcohol_drinks_per_day"), key="alcohol")
        error_slot(slots, "alcohol_drinks_per_day")
    with right:
        ra = yes_no("rheumatoid_arthritis", key="rheumatoid_arthritis")
        error_slot(slots, "rheumatoid_arthritis")
        estrogen = category("estrogen_therapy", ESTROGEN_LABELS, key="estrogen_therapy")
        error_slot(slots, "estrogen_therapy")
        menopause = category("menopause_status", MENOPAUSE_LABELS, key="menopause_status",
                             text=_("Menopause status (women only)"))
        error_slot(slots, "menopause_status")
        has_t_score = st.checkbox(_("A DXA T-score is available"), key="has_t_score")
        t_score = st.number_input(label("t_score"), value=None, step=0.1, format="%.1f", key="t_score",
                                  help=" ".join(filter(None, [help_text("t_score"),
                                                              _("Used only when the box above is ticked.")])))
        error_slot(slots, "t_score")
        if t_score is not None and not has_t_score:
            st.caption(_("A T-score is entered but not used: tick “A DXA T-score is available”."))
    submitted = st.form_submit_button(_("Estimate risk"), type="primary", key="submit")

if submitted:
    values = compact({
        "age": age, "sex": sex, "weight_kg": weight, "height_cm": height, "race": race,
        "prior_fracture": prior_fracture, "fracture_count_after_45": fracture_count,
        "parent_hip_fracture": parent_hip, "glucocorticoids": glucocorticoids, "smoker_current": smoker,
        "alcohol_drinks_per_day": alcohol, "rheumatoid_arthritis": ra, "estrogen_therapy": estrogen,
        "menopause_status": menopause, "t_score": t_score if has_t_score else None,
    })
    st.session_state.pop("clinical_assessment", None)
    st.session_state["clinical_field_issues"] = {}
    try:
        patient = parse_patient(values, weight_unit=weight_unit, height_unit=height_unit)
        if model is not None:
            with st.spinner(_("Estimating…")):
                st.session_state["clinical_assessment"] = assess_patient(patient, model=model)
    except InputValidationError as exc:
        st.session_state["clinical_field_issues"] = exc.field_issues

issues = st.session_state.get("clinical_field_issues", {})
if issues:
    summary.error(issues_summary(issues) + " " + _("See the messages next to each entry."))
    show_field_issues(slots, issues)

result = st.session_state.get("clinical_assessment")
if result is not None and model is not None:
    st.header(_("Result"))
    show_risk_result(result, model.band_thresholds, key="clinical")
    st.caption(_("Model version: `{version}`").format(version=result.model_version))
    result_actions("clinical", profile_from_assessment(result),
                   partial(clinical_case_report, result, disclaimer=_(DISCLAIMER)), key="clinical")
    offer_save_screening("clinical_risk", None, *clinical_record(result))

with st.expander(_("Model card: what the model is, how it was tested, its limits")):
    st.markdown(read_model_card("clinical_risk") or _("The model card is missing."))

st.info(_(DISCLAIMER))
