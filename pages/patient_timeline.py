"""Patient timeline: one patient's risk and T-score over time, their next follow-up, export and delete;
plus every patient whose follow-up is overdue."""

from __future__ import annotations

import json

import streamlit as st

from app_support.auth import current_session, page_guard
from app_support.history import (
    StoreError,
    band_label,
    delete_patient,
    due_follow_ups,
    export_patient,
    export_patient_csv,
    follow_up_for,
    kind_label,
    list_patients,
    list_screenings,
    open_store,
    timeline_figure,
)
from osteo_core.i18n import _, format_date, format_decimal, ngettext

page_guard(__file__)

st.title("📈 " + _("Patient timeline"))
session = current_session()
if flash := st.session_state.pop("timeline_flash", None):
    st.success(flash)
try:
    engine = open_store()
except StoreError as exc:
    st.error(_("The history database cannot be opened. Details: {error}").format(error=exc))
    st.stop()

st.subheader(_("Overdue follow-ups"))
overdue = due_follow_ups(engine, overdue_only=True)
if overdue:
    st.dataframe([{_("Patient"): f.patient_id, _("Last screened"): f.last_screened, _("Due"): f.due,
                   _("Days overdue"): f.overdue_days, _("Why"): _(f.reason)} for f in overdue],
                 hide_index=True, width="stretch")
else:
    st.success(_("No follow-up is overdue."))
st.caption(_("Due dates come from the latest clinical-risk screening and the interval table in "
             "`osteo_core/store/followup.py` (T-score first, else the model's risk band)."))

st.subheader(_("One patient"))
patients = list_patients(engine)
if not patients:
    st.info(_("No screenings are stored yet. Save one from the Clinical risk page (“Save to patient history”)."))
    st.stop()
patient_id = st.selectbox(_("Pseudonymous patient id"), patients, key="timeline_patient")
history = list_screenings(engine, patient_id)
clinical = [s for s in history if s.kind == "clinical_risk"]
follow_up = follow_up_for(clinical[-1]) if clinical else None

if follow_up is not None:
    if follow_up.overdue:
        line = ngettext("Next follow-up: **{due}** (**overdue by {days} day**) — {reason}.",
                        "Next follow-up: **{due}** (**overdue by {days} days**) — {reason}.", follow_up.overdue_days)
    else:
        line = _("Next follow-up: **{due}** (not yet due) — {reason}.")
    st.markdown(line.format(due=format_date(follow_up.due), days=follow_up.overdue_days, reason=_(follow_up.reason)))
st.plotly_chart(timeline_figure(history, follow_up.due if follow_up else None), width="stretch")
st.dataframe([{_("When (UTC)"): f"{s.screened_at:%Y-%m-%d %H:%M}", _("What"): kind_label(s.kind),
               _("Risk (%)"): None if s.risk_probability is None else round(100 * s.risk_probability, 1),
               _("Band"): band_label(s.risk_band), _("T-score (SD)"): s.t_score, _("By"): s.created_by,
               _("Image stored"): _("yes") if s.has_image else _("no"),
               _("Model"): ", ".join(s.model_versions.values())}
              for s in history], hide_index=True, width="stretch")

with st.expander(_("Export this patient's records")):
    if st.button(_("Prepare export"), key="timeline_export"):
        st.session_state["timeline_export_data"] = export_patient(engine, patient_id, session.username)
    export = st.session_state.get("timeline_export_data")
    if export and export["patient_id"] == patient_id:
        left, right = st.columns(2)
        left.download_button(_("Download JSON"), json.dumps(export, indent=2), f"{patient_id}.json",
                             mime="application/json", key="timeline_json")
        right.download_button(_("Download CSV"), export_patient_csv(export), f"{patient_id}.csv", mime="text/csv",
                              key="timeline_csv")
        count = len(export["screenings"])
        st.caption(ngettext("{n} screening(s); the export is recorded in the audit log.",
                            "{n} screening(s); the export is recorded in the audit log.", count)
                   .format(n=format_decimal(count, 0)))

with st.expander(_("Delete this patient's records")):
    st.warning(_("This deletes every stored screening of this patient. It cannot be undone; the audit log keeps "
                 "a line saying who deleted how many records, and when."))
    typed = st.text_input(_("Type the patient id to confirm"), key="timeline_delete_confirm")
    if st.button(_("Delete all records"), type="primary", key="timeline_delete",
                 disabled=typed.strip() != patient_id):
        deleted = delete_patient(engine, patient_id, session.username)
        st.session_state.pop("timeline_export_data", None)
        st.session_state["timeline_flash"] = ngettext("Deleted {n} screening(s) of {patient}.",
                                                      "Deleted {n} screening(s) of {patient}.", deleted).format(
            n=format_decimal(deleted, 0), patient=patient_id)
        st.rerun()
