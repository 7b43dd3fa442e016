"""Image screening: a knee radiograph (file or phone photo of a film) → body-part check, then, in this order, the
image model's validation warning, the clinical estimate from patient facts, and the image model's (unvalidated)
T-score estimate with its interval, category probabilities and Grad-CAM."""

from __future__ import annotations

from functools import partial

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
from app_support.result_actions import result_actions
from osteo_core.errors import ModelLoadError
from osteo_core.explain import overlay_heatmap, png_bytes
from osteo_core.imaging.batch import HAND_ANSWER
from osteo_core.imaging.bone_density import image_model_caveat, image_model_near_chance, image_model_warning
from osteo_core.imaging.figures import density_probability_figure, t_score_figure
from osteo_core.recommend import profile_from_assessment, profile_from_image_bone_density
from osteo_core.report import density_case_report
from osteo_core.report.wording import percent, signed

page_guard(__file__)

CLINICAL_KEY = "img_clinical"  # the clinical assessment from the facts form, for the current image

st.title("🩻 Bone density screening from a knee radiograph")
evaluation = read_evaluation("bone_density_knee")
CAVEAT = image_model_caveat(evaluation)
st.info(CAVEAT)
WARNING = image_model_warning(evaluation)
NEAR_CHANCE = image_model_near_chance(evaluation)

models_ready = True
try:
    with st.spinner("Loading the image models (first time only)…"):
        get_gate()
        density_model = get_density_model()
except ModelLoadError as exc:
    models_ready = False
    st.error(f"The image models cannot be loaded, so no image can be analysed. Details: {exc}")

source = st.radio("Image source", ["Upload a file", "Take a photo of a film"], horizontal=True, key="img_source")
if source == "Upload a file":
    upload = st.file_uploader("Knee radiograph (PNG, JPEG, BMP, TIFF or DICOM)", key="img_upload",
                              type=["png", "jpg", "jpeg", "bmp", "tif", "tiff", "dcm"])
else:
    upload = st.camera_input("Photograph the film on a light box, filling the frame", key="img_camera")

if upload is not None and models_ready:
    if st.session_state.get("img_last_file") != (upload.name, upload.size):
        st.session_state["img_last_file"] = (upload.name, upload.size)
        st.session_state.pop(CLINICAL_KEY, None)  # facts entered for an earlier image may be another patient's
    radiograph, reason = read_upload(upload.getvalue(), upload.name)
    if radiograph is None:
        st.error(f"**The file cannot be read:** {reason}")
        st.stop()
    verdict = check_body_part(radiograph)
    st.subheader("Image check")
    st.caption("Gate: " + ", ".join(f"{name} {100 * p:.0f} %" for name, p in verdict.probabilities.items()))
    if verdict.body_part == "hand":
        st.info(f"**Hand radiograph recognised.** {HAND_ANSWER[0].upper() + HAND_ANSWER[1:]}.")
        st.stop()
    if not verdict.usable:
        st.error(verdict.reason)
        st.stop()
    st.success("Knee radiograph recognised.")

    prediction = predict_density(radiograph.pixels)
    st.header("Result")
    st.warning(f"**Read this first — how far to trust the image model.** {WARNING} The clinical facts below carry "
               "far more information.")

    st.subheader("Clinical estimate from patient facts")
    clinical = quick_clinical_estimate(radiograph.facts, CLINICAL_KEY)

    st.subheader("Image model estimate" + (" — not validated, close to chance" if NEAR_CHANCE else ""))
    low, high = prediction.t_interval
    st.markdown(f"**Estimated T-score (image model): {signed(prediction.t_score)} SD "
                f"({percent(prediction.interval_coverage)} interval {signed(low)} to {signed(high)} SD)** — an "
                "estimate, not a DXA measurement. The interval comes from cross-validated errors.")
    st.markdown("Probability a DXA would show each category, according to the image model: "
                + ", ".join(f"{name} {percent(p)}" for name, p in prediction.probabilities.items()) + ".")
    st.plotly_chart(density_probability_figure(prediction.probabilities), width="stretch")
    st.plotly_chart(t_score_figure(prediction.t_score, prediction.t_interval), width="stretch")

    st.subheader("Where the model looked")
    method_col, opacity_col = st.columns(2)
    method = method_col.radio("Heatmap method", ["gradcam", "gradcam++"], horizontal=True, key="img_cam",
                              format_func={"gradcam": "Grad-CAM", "gradcam++": "Grad-CAM++"}.get)
    opacity = opacity_col.slider("Heatmap opacity", 0.0, 1.0, 0.4, 0.05, key="img_opacity")
    heatmap = density_heatmap(radiograph.pixels, prediction.category, method)
    overlay = overlay_heatmap(prediction.model_view, heatmap, opacity)
    view_col, overlay_col = st.columns(2)
    view_col.image(prediction.model_view, caption="The image as the model saw it (resized and padded)",
                   width="stretch")
    overlay_col.image(overlay, width="stretch", caption=f"Heatmap for '{prediction.category}'")
    st.caption("The heatmap shows where the model looked, not a finding.")

    profile = profile_from_image_bone_density(prediction.category)
    if clinical is not None:
        profile = profile_from_assessment(clinical).merged(profile)
    result_actions("image", profile,
                   partial(density_case_report, prediction, overlay, model_version=density_model.version,
                           method=method, disclaimer=CAVEAT, evaluation=evaluation, clinical=clinical,
                           file_name=upload.name), key="image")
    offer_save_screening("image_screening", None, *density_record(prediction, upload.name, density_model.version),
                         image_png=png_bytes(prediction.model_view))

if models_ready:
    st.caption(f"Model version: `{density_model.version}`")
with st.expander("Model card: bone density from a knee radiograph"):
    st.markdown(read_model_card("bone_density_knee") or "The model card is missing.")
st.info(CAVEAT)
