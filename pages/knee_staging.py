"""Knee Staging: one knee radiograph -> Kellgren–Lawrence grade, its conformal range, probabilities and Grad-CAM."""

from __future__ import annotations

from functools import partial

import streamlit as st

from app_support.auth import page_guard
from app_support.history import knee_record, offer_save_screening
from app_support.image_models import check_knee, get_gate
from app_support.loaders import (
    get_knee_grader,
    knee_heatmap,
    predict_knee,
    read_evaluation,
    read_knee_upload,
    read_model_card,
)
from app_support.result_actions import result_actions
from app_support.widgets import percent_text
from osteo_core.errors import ModelLoadError
from osteo_core.explain import overlay_heatmap, png_bytes
from osteo_core.i18n import N_, _
from osteo_core.imaging.figures import kl_probability_figure
from osteo_core.recommend import knee_advice, profile_from_knee
from osteo_core.report import knee_case_report
from osteo_core.report.wording import conformal_range_text, knee_accuracy_text
from osteo_core.vocabulary import KL_DEFINITIONS, KL_SOURCE, grade_range_text, kl_grade_label

page_guard(__file__)

KNEE_DISCLAIMER = N_(
    "**The Kellgren–Lawrence (KL) grade describes knee osteoarthritis** — joint-space narrowing, osteophytes "
    "(bony spurs), sclerosis — seen on a knee radiograph. **It says nothing about bone density or osteoporosis.** "
    "The grade is an aid for a clinician reading the image, not a diagnosis."
)
ACCEPTED = N_(
    "Only knee radiographs are graded: an AP or PA view of **one** knee joint (PNG, JPEG or DICOM). Before grading, "
    "the file goes through sanity checks (unreadable or empty file, colour photo, blank image, very elongated "
    "shape, too small) and a learned body-part check (knee, hand or not a radiograph; see its model card). It has "
    "seen only knees and hands, so another body part can still slip through."
)
CAM_METHODS = {"gradcam": "Grad-CAM", "gradcam++": "Grad-CAM++"}
st.title("🦵 " + _("Knee osteoarthritis staging (Kellgren–Lawrence)"))
st.info(_(KNEE_DISCLAIMER))
evaluation = read_evaluation("knee_kl")
ACCURACY = knee_accuracy_text(evaluation) or _("The model's measured accuracy is not available (evaluation file "
                                               "missing).")

grader = None
try:
    with st.spinner(_("Loading the knee model (first time only, a few seconds)…")):
        grader = get_knee_grader()
        get_gate()
except ModelLoadError as exc:
    grader = None
    st.error(_("The knee model or the body-part check cannot be loaded, so no grade can be given. Details: {error}")
             .format(error=exc))

upload = st.file_uploader(_("Knee radiograph (PNG, JPEG or DICOM)"), type=["png", "jpg", "jpeg", "dcm"],
                          key="knee_upload", help=_("One AP/PA radiograph of a single knee joint."))
st.caption(_(ACCEPTED))

if upload is not None:
    pixels, reason = read_knee_upload(upload.getvalue(), upload.name)
    if not reason and grader is not None:
        verdict = check_knee(pixels)
        reason = "" if verdict.usable else verdict.reason
    if reason:
        st.error(_("**{file} cannot be graded:** {reason}.").format(file=upload.name,
                                                                    reason=reason[0].upper() + reason[1:].rstrip("."))
                 + "\n\n" + _("Only knee radiographs (an AP/PA view of one knee joint) are graded."))
    elif grader is None:
        st.warning(_("{file} passes the sanity checks, but it cannot be graded while the knee model is unavailable "
                     "(see the message above).").format(file=upload.name))
    else:
        with st.spinner(_("Grading…")):
            prediction = predict_knee(pixels)
        grade = prediction.grade
        low, high = prediction.grade_range
        coverage = percent_text(grader.coverage)

        st.header(_("Result"))
        metric_col, text_col = st.columns([1, 2])
        metric_col.metric(_("Kellgren–Lawrence grade"), kl_grade_label(grade),
                          help=_("The most likely grade according to the model."))
        metric_col.caption(_("**How often the model is right:** {accuracy}").format(accuracy=ACCURACY))
        with text_col:
            st.markdown(_("**What KL {grade} means:** {definition}").format(grade=grade,
                                                                           definition=_(KL_DEFINITIONS[grade])))
            st.caption(_("Grade definitions: {source}.").format(source=KL_SOURCE))
            conformal = conformal_range_text(grader.coverage, low, high)
            st.markdown(_("**Grade range {grades}: {conformal}**").format(grades=grade_range_text(low, high),
                                                                         conformal=conformal))
            st.caption(_("The range comes from conformal calibration on held-out knees: it is a statement about many "
                         "knees (about {coverage} of true grades fall inside such ranges), not a confidence about "
                         "this one. A wider range means the model is less sure about this image.")
                       .format(coverage=coverage))

        st.plotly_chart(kl_probability_figure(prediction.probabilities, prediction.grade_range, grader.coverage),
                        width="stretch")

        st.subheader(_("Where the model looked"))
        method_col, opacity_col = st.columns(2)
        method = method_col.radio(_("Heatmap method"), list(CAM_METHODS), format_func=CAM_METHODS.get,
                                  horizontal=True, key="knee_cam_method",
                                  help=_("Grad-CAM++ often spreads the map over several regions; both are "
                                         "approximations."))
        opacity = opacity_col.slider(_("Heatmap opacity"), min_value=0.0, max_value=1.0, value=0.4, step=0.05,
                                     key="knee_opacity")
        with st.spinner(_("Computing the heatmap…")):
            heatmap = knee_heatmap(pixels, grade, method)
        view_col, overlay_col = st.columns(2)
        view_col.image(prediction.model_view, caption=_("The image as the model saw it (resized and padded)"),
                       width="stretch")
        overlay = overlay_heatmap(prediction.model_view, heatmap, opacity)
        overlay_col.image(overlay, caption=_("{method} for KL {grade}").format(method=CAM_METHODS[method],
                                                                              grade=grade), width="stretch")
        st.caption(_("The heatmap shows where the model looked when it chose KL {grade} — warm colours pushed that "
                     "score up. It is not a lesion finding: it does not mark osteophytes or joint-space narrowing.")
                   .format(grade=grade))

        st.subheader(_("Next step"))
        for advice in knee_advice(grade):
            st.markdown(_("**{title}.** {text}").format(title=advice.title, text=advice.text))
            st.caption(_("Source: {source}").format(source=advice.source_label))
        if low != high:
            st.caption(_("The grade range {grades} spans more than one grade; advice for the neighbouring grades may "
                         "apply too.").format(grades=grade_range_text(low, high)))
        st.caption(_("Radiographic grade and symptoms often disagree: decide with the patient's symptoms and "
                     "function, not the image alone. Detailed, sourced advice is on the Recommendations page."))
        result_actions("knee", profile_from_knee(grade),
                       partial(knee_case_report, prediction, overlay, model_version=grader.version,
                               coverage=grader.coverage, method=CAM_METHODS[method], disclaimer=_(KNEE_DISCLAIMER),
                               file_name=upload.name, evaluation=evaluation), key="knee")
        offer_save_screening("knee_staging", None, *knee_record(prediction, upload.name, grader.version),
                             image_png=png_bytes(prediction.model_view))

if grader is not None:
    st.caption(_("Model version: `{version}` · conformal coverage {coverage}").format(
        version=grader.version, coverage=percent_text(grader.coverage)))

with st.expander(_("Model card: what the knee model is, how it was tested, its limits")):
    st.markdown(read_model_card("knee_kl") or _("The knee model card is missing (the model may not be trained yet)."))

st.info(_(KNEE_DISCLAIMER))
