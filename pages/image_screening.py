"""Image screening: a knee radiograph (file or phone photo of a film) → body-part check, then the result.

When the image adds nothing measurable beyond the clinical facts (``image_adds_beyond_clinical`` on the model's
``evaluation.json``; also when that file is missing): that message first, then the answer — the clinical estimate
from patient facts, from which alone the recommendations and the PDF come — and the image model's output (T-score
estimate with its interval, category probabilities, Grad-CAM) in a collapsed "research only" expander. When the image
does add: the image model's validation warning, the clinical estimate, then the image model's output in place."""

from __future__ import annotations

from functools import partial
from typing import Any

import streamlit as st

from app_support.auth import page_guard
from app_support.history import density_record, offer_save_screening
from app_support.image_models import (
    check_body_part,
    density_heatmap,
    get_density_model,
    get_gate,
    predict_density,
    read_upload,
)
from app_support.loaders import read_evaluation, read_model_card
from app_support.quick_facts import quick_clinical_estimate
from app_support.result_actions import BONE_WORDS, PREFILL_KEY, result_actions
from app_support.widgets import percent_text, signed_text
from osteo_core.errors import ModelLoadError
from osteo_core.explain import overlay_heatmap, png_bytes
from osteo_core.i18n import N_, _
from osteo_core.imaging.batch import HAND_ANSWER
from osteo_core.imaging.bone_density import (
    image_adds_beyond_clinical,
    image_adds_nothing_message,
    image_model_caveat,
    image_model_near_chance,
    image_model_warning,
)
from osteo_core.imaging.figures import density_probability_figure, t_score_figure
from osteo_core.recommend import profile_from_assessment, profile_from_image_bone_density
from osteo_core.report import density_case_report

page_guard(__file__)

CLINICAL_KEY = "img_clinical"  # the clinical assessment from the facts form, for the current image
SOURCES = (N_("Upload a file"), N_("Take a photo of a film"))  # radio values (English), translated when shown
GATE_WORDS = {"knee": N_("knee"), "hand": N_("hand"), "other": N_("other")}  # the gate's classes, as shown
CAM_METHODS = {"gradcam": "Grad-CAM", "gradcam++": "Grad-CAM++"}


def show_image_output(prediction: Any, pixels: Any) -> tuple[str, Any]:
    """The image model's estimate, charts and heatmap; returns the heatmap method and the overlay (for the PDF)."""
    st.subheader(_("Image model estimate — not validated, close to chance") if NEAR_CHANCE
                 else _("Image model estimate"))
    low, high = prediction.t_interval
    st.markdown(_("**Estimated T-score (image model): {t_score} SD ({coverage} interval {low} to {high} SD)** — an "
                  "estimate, not a DXA measurement. The interval comes from cross-validated errors.").format(
        t_score=signed_text(prediction.t_score), coverage=percent_text(prediction.interval_coverage),
        low=signed_text(low), high=signed_text(high)))
    st.markdown(_("Probability a DXA would show each category, according to the image model: {probabilities}.")
                .format(probabilities=", ".join(f"{_(BONE_WORDS.get(name, name))} {percent_text(p)}"
                                                for name, p in prediction.probabilities.items())))
    st.plotly_chart(density_probability_figure(prediction.probabilities), width="stretch")
    st.plotly_chart(t_score_figure(prediction.t_score, prediction.t_interval), width="stretch")

    st.subheader(_("Where the model looked"))
    method_col, opacity_col = st.columns(2)
    method = method_col.radio(_("Heatmap method"), list(CAM_METHODS), horizontal=True, key="img_cam",
                              format_func=CAM_METHODS.get)
    opacity = opacity_col.slider(_("Heatmap opacity"), 0.0, 1.0, 0.4, 0.05, key="img_opacity")
    heatmap = density_heatmap(pixels, prediction.category, method)
    overlay = overlay_heatmap(prediction.model_view, heatmap, opacity)
    view_col, overlay_col = st.columns(2)
    view_col.image(prediction.model_view, caption=_("The image as the model saw it (resized and padded)"),
                   width="stretch")
    overlay_col.image(overlay, width="stretch", caption=_("Heatmap for '{category}'").format(
        category=_(BONE_WORDS.get(prediction.category, prediction.category))))
    st.caption(_("The heatmap shows where the model looked, not a finding."))
    return method, overlay


st.title("🩻 " + _("Bone density screening from a knee radiograph"))
evaluation = read_evaluation("bone_density_knee")
CAVEAT = image_model_caveat(evaluation)
st.info(CAVEAT)
WARNING = image_model_warning(evaluation)
NEAR_CHANCE = image_model_near_chance(evaluation)
IMAGE_ADDS = image_adds_beyond_clinical(evaluation)  # False: the clinical estimate is the answer, image for research

models_ready = True
try:
    with st.spinner(_("Loading the image models (first time only)…")):
        get_gate()
        density_model = get_density_model()
except ModelLoadError as exc:
    models_ready = False
    st.error(_("The image models cannot be loaded, so no image can be analysed. Details: {error}").format(error=exc))

source = st.radio(_("Image source"), SOURCES, horizontal=True, key="img_source", format_func=_)
if source == SOURCES[0]:
    upload = st.file_uploader(_("Knee radiograph (PNG, JPEG, BMP, TIFF or DICOM)"), key="img_upload",
                              type=["png", "jpg", "jpeg", "bmp", "tif", "tiff", "dcm"])
else:
    upload = st.camera_input(_("Photograph the film on a light box, filling the frame"), key="img_camera")

if upload is not None and models_ready:
    if st.session_state.get("img_last_file") != (upload.name, upload.size):
        st.session_state["img_last_file"] = (upload.name, upload.size)
        st.session_state.pop(CLINICAL_KEY, None)  # facts entered for an earlier image may be another patient's
    radiograph, reason = read_upload(upload.getvalue(), upload.name)
    if radiograph is None:
        st.error(_("**The file cannot be read:** {reason}").format(reason=reason))
        st.stop()
    verdict = check_body_part(radiograph)
    st.subheader(_("Image check"))
    st.caption(_("Gate: {probabilities}").format(probabilities=", ".join(
        f"{_(GATE_WORDS.get(name, name))} {percent_text(p)}" for name, p in verdict.probabilities.items())))
    if verdict.body_part == "hand":
        answer = _(HAND_ANSWER)
        st.info(_("**Hand radiograph recognised.** {answer}.").format(answer=answer[0].upper() + answer[1:]))
        st.stop()
    if not verdict.usable:
        st.error(verdict.reason)
        st.stop()
    st.success(_("Knee radiograph recognised."))

    prediction = predict_density(radiograph.pixels)
    st.header(_("Result"))
    if IMAGE_ADDS:  # the image adds a measurable amount beyond the clinical facts: warning, clinical, then image
        st.warning(_("**Read this first — how far to trust the image model.** {warning} The clinical facts below "
                     "carry far more information.").format(warning=WARNING))
        st.subheader(_("Clinical estimate from patient facts"))
        clinical = quick_clinical_estimate(radiograph.facts, CLINICAL_KEY)
        method, overlay = show_image_output(prediction, radiograph.pixels)
        profile = profile_from_image_bone_density(prediction.category)
        if clinical is not None:
            profile = profile_from_assessment(clinical).merged(profile)
    else:  # it adds nothing: say so first; the clinical estimate is the answer, the image output research only
        st.warning(image_adds_nothing_message(evaluation))
        st.subheader(_("Answer: clinical estimate from patient facts"))
        clinical = quick_clinical_estimate(radiograph.facts, CLINICAL_KEY)
        profile = None if clinical is None else profile_from_assessment(clinical)  # never from the image
        if profile is None:
            st.session_state.get(PREFILL_KEY, {}).pop("image", None)  # no image-based prefill on Recommendations
            st.info(_("**The answer needs the patient's facts.** Enter age, sex, weight and height above: the "
                      "recommendations and the PDF report follow from the clinical estimate, not from the image."))
        with st.expander(_("Image model output — research only, adds nothing beyond the clinical facts"),
                         expanded=False):
            st.warning(_("**How far to trust the image model.** {warning}").format(warning=WARNING))
            method, overlay = show_image_output(prediction, radiograph.pixels)

    if profile is not None:
        result_actions("image", profile,
                       partial(density_case_report, prediction, overlay, model_version=density_model.version,
                               method=method, disclaimer=CAVEAT, evaluation=evaluation, clinical=clinical,
                               file_name=upload.name), key="image")
    offer_save_screening("image_screening", None, *density_record(prediction, upload.name, density_model.version,
                                                                  clinical, image_adds=IMAGE_ADDS),
                         image_png=png_bytes(prediction.model_view))

if models_ready:
    st.caption(_("Model version: `{version}`").format(version=density_model.version))
with st.expander(_("Model card: bone density from a knee radiograph")):
    st.markdown(read_model_card("bone_density_knee") or _("The model card is missing."))
st.info(CAVEAT)
