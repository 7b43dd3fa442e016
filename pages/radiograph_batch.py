"""Radiograph batch: grade many knee radiographs at once (Kellgren–Lawrence grade), behind the body-part check.
UI only: staging and grading come from ``osteo_core.cohort.images``."""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from app_support import DISCLAIMER
from app_support.auth import page_guard
from app_support.image_models import get_gate
from app_support.loaders import get_knee_grader, knee_model_problem
from osteo_core.cohort import (
    ArchiveError,
    csv_bytes,
    grade_figure,
    grade_files,
    image_summary,
    rejected_files,
    stage_uploads,
)
from osteo_core.errors import ModelLoadError
from osteo_core.i18n import N_, _

page_guard(__file__)
REJECTED_HEADERS = {"file": N_("File"), "reason": N_("Reason")}  # on screen only; the CSV keeps English columns

st.title("🗂️ " + _("Radiograph batch"))
st.info(_(DISCLAIMER))
st.markdown(_("Grade a batch of **knee radiographs** (Kellgren–Lawrence grade 0–4, osteoarthritis severity) "
              "with the knee model, behind the body-part check that refuses non-knee images. Upload one zip file "
              "or several images (.png, .jpg, .dcm). Files that cannot be graded are listed with the reason. "
              "The command line does the same for folders of any size: "
              "`python -m osteo_core predict-images --task knee-kl --out grades.csv FOLDER`."))
problem = knee_model_problem()
if problem:
    st.warning(_("The knee radiograph model is not available yet, so images cannot be graded here. "
                 "Details: {problem}").format(problem=problem))
else:
    files = st.file_uploader(_("Radiographs (a zip, or several images)"), type=["zip", "png", "jpg", "jpeg", "dcm"],
                             accept_multiple_files=True, key="image_files")
    if not files:
        st.session_state.pop("image_result", None)  # nothing uploaded: free the last results
    elif st.button(_("Grade the images"), type="primary", key="image_grade"):
        bar = st.progress(0.0, text=_("Grading…"))
        try:
            with tempfile.TemporaryDirectory() as folder:
                named = stage_uploads([(f.name, f.getvalue()) for f in files], Path(folder))
                st.session_state["image_result"] = grade_files(
                    named, get_knee_grader(), get_gate(),
                    progress=lambda done, total: bar.progress(
                        done / total, text=_("Graded {done} of {total}").format(done=done, total=total)))
        except (ArchiveError, ModelLoadError) as exc:
            st.error(str(exc))
        bar.empty()
    table = st.session_state.get("image_result")
    if table is not None:
        numbers = image_summary(table)
        cols = st.columns(3)
        cols[0].metric(_("Files"), numbers["files"])
        cols[1].metric(_("Graded"), numbers["graded"])
        cols[2].metric(_("Rejected"), numbers["rejected"])
        st.plotly_chart(grade_figure(table), width="stretch", key="fig_grades")
        rejected = rejected_files(table)
        if len(rejected):
            st.markdown("**" + _("Rejected files and why") + "**")
            st.dataframe(rejected.rename(columns={k: _(v) for k, v in REJECTED_HEADERS.items()}), hide_index=True)
        st.download_button(_("Download the grades (CSV)"), csv_bytes(table), "knee_grades.csv", "text/csv",
                           key="dl_images")
st.info(_(DISCLAIMER))
