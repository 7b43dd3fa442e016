"""Patient timeline: one patient's risk and T-score over time, their next follow-up, export and delete;
plus every patient whose follow-up is overdue."""

from __future__ import annotations

import json

import streamlit as st

from app_support.auth import current_session, page_guard
from app_support.history import (
    StoreError,
    delete_patient,
    due_follow_ups,
    export_patient,
    export_patient_csv,
    follow_up_for,
    list_patients,
    list_screenings,
    open_store,
    timeline_figure,
)

page_guard(__file__)

st.title("📈 Patient timeline")
session = current_session()
if flash := st.session_state.pop("timeline_flash", None):
    st.success(flash)
try:
    engine = open_store()
except StoreError as exc:
    st.error(f"The history database cannot be opened. Details: {exc}")
    st.stop()

st.subheader("Overdue follow-ups")
overdue = due_follow_ups(engine, overdue_only=True)
if overdue:
    st.dataframe([{"Patient": f.patient_id, "Last screened": f.last_screened, "Due": f.due,
                   "Days overdue": f.overdue_days, "Why": f.reason} for f in overdue],
                 hide_index=True, width="stretch")
else:
    st.success("No follow-up is overdue.")
st.caption("Due dates come from the latest clinical-risk screening and the interval table in "
           "`osteo_core/store/followup.py` (T-score first, else the model's risk band).")

st.subheader("One patient")
patients = list_patients(engine)
if not patients:
    st.info("No screenings are stored yet. Save one from the Clinical risk page (“Save to patient history”).")
    st.stop()
patient_id = st.selectbox("Pseudonymous patient id", patients, key="timeline_patient")
history = list_screenings(engine, patient_id)
clinical = [s for s in history if s.kind == "clinical_risk"]
follow_up = follow_up_for(clinical[-1]) if clinical else None

if follow_up is not None:
    status = f"**overdue by {follow_up.overdue_days} days**" if follow_up.overdue else "not yet due"
    st.markdown(f"Next follow-up: **{follow_up.due:%Y-%m-%d}** ({status}) — {follow_up.reason}.")
st.plotly_chart(timeline_figure(history, follow_up.due if follow_up else None), width="stretch")
st.dataframe([{"When (UTC)": f"{s.screened_at:%Y-%m-%d %H:%M}", "What": s.kind.replace("_", " "),
               "Risk (%)": None if s.risk_probability is None else round(100 * s.risk_probability, 1),
               "Band": s.risk_band, "T-score (SD)": s.t_score, "By": s.created_by,
               "Image stored": "yes" if s.has_image else "no", "Model": ", ".join(s.model_versions.values())}
              for s in history], hide_index=True, width="stretch")

with st.expander("Export this patient's records"):
    if st.button("Prepare export", key="timeline_export"):
        st.session_state["timeline_export_data"] = export_patient(engine, patient_id, session.username)
    export = st.session_state.get("timeline_export_data")
    if export and export["patient_id"] == patient_id:
        left, right = st.columns(2)
        left.download_button("Download JSON", json.dumps(export, indent=2), f"{patient_id}.json",
                             mime="application/json", key="timeline_json")
        right.download_button("Download CSV", export_patient_csv(export), f"{patient_id}.csv", mime="text/csv",
                              key="timeline_csv")
        st.caption(f"{len(export['screenings'])} screening(s); the export is recorded in the audit log.")

with st.expander("Delete this patient's records"):
    st.warning("This deletes every stored screening of this patient. It cannot be undone; the audit log keeps "
               "a line saying who deleted how many records, and when.")
    typed = st.text_input("Type the patient id to confirm", key="timeline_delete_confirm")
    if st.button("Delete all records", type="primary", key="timeline_delete", disabled=typed.strip() != patient_id):
        deleted = delete_patient(engine, patient_id, session.username)
        st.session_state.pop("timeline_export_data", None)
        st.session_state["timeline_flash"] = f"Deleted {deleted} screening(s) of {patient_id}."
        st.rerun()
