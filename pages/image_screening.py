"""Image screening: a knee radiograph (file or phone photo of a film) → body-part check, bone-density category,
estimated T-score, Grad-CAM and, with patient facts, a post-test probability."""

from __future__ import annotations

from functools import partial

import streamlit as st

from app_support.auth import page_guard
from app_support.history import offer_save_screening
from app_support.image_models import (
    check_body_part,
    density_heatmap,
    get_density_model,
    get_gate,
    predict_density,
    read_upload,
)
from app_support.loaders import read_evaluation, read_model_card, warm_up_risk_model
from app_support.result_actions import result_actions
from osteo_core.clinical.assess import assess_patient
from osteo_core.clinical.patient import parse_patient
from osteo_core.errors import InputValidationError, ModelLoadError
from osteo_core.explain.overlay import overlay_heatmap, png_bytes
from osteo_core.imaging.batch import HAND_ANSWER
from osteo_core.imaging.bone_density import post_test_probability
from osteo_core.imaging.figures import density_probability_figure, pre_post_figure, t_score_figure
from osteo_core.recommend import profile_from_image_bone_density
from osteo_core.report import density_case_report
from osteo_core.store.records import density_record

page_guard(__file__)

CAVEAT = (
    "**Research-grade aid, not a diagnosis.** The bone-density model was trained on 210 patients with a DXA "
    "T-score and a knee radiograph from one public collection (site and scanner undocumented), where age alone "
    "separates the groups well. It has not been validated elsewhere. Only DXA measures bone density; never use this "
    "to rule out low bone density."
)
CATEGORY_TEXT = {"normal": "Normal bone density", "osteopenia": "Low bone mass (osteopenia)",
                 "osteoporosis": "Osteoporosis range"}

st.title("🩻 Bone density screening from a knee radiograph")
st.info(CAVEAT)
evaluation = read_evaluation("bone_density_knee") or {}
if "comparison" in evaluation:
    image_auc = evaluation["comparison"]["image"]["auc_low_bone_mass"]
    age_auc = evaluation["comparison"]["age"]["auc_low_bone_mass"]
    st.warning(f"**How well the image model did:** in cross-validation it told low bone mass from normal with AUC "
               f"{image_auc['value']:.2f} (95 % CI {image_auc['ci95_low']:.2f}–{image_auc['ci95_high']:.2f}; 0.5 is "
               f"chance), while age alone reached {age_auc['value']:.2f}. Its output is close to uninformative: "
               "never act on it alone. The clinical facts below carry far more information.")

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
        st.session_state.pop("img_post_test", None)  # facts combined with an earlier image no longer apply
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
    left, right = st.columns(2)
    left.metric("Most likely category (image model)", CATEGORY_TEXT[prediction.category],
                help="From the knee image alone; probabilities below.")
    low, high = prediction.t_interval
    right.metric("Estimated T-score", f"{prediction.t_score:.1f} SD",
                 help=f"{100 * prediction.interval_coverage:.0f} % interval {low:.1f} to {high:.1f} SD")
    st.plotly_chart(density_probability_figure(prediction.probabilities), width="stretch")
    st.plotly_chart(t_score_figure(prediction.t_score, prediction.t_interval), width="stretch")
    st.caption(f"Interval: {low:.1f} to {high:.1f} SD, from cross-validated errors (about "
               f"{100 * prediction.interval_coverage:.0f} % of estimates fell that close).")

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

    st.subheader("Add patient facts for a post-test probability")
    facts = radiograph.facts
    if facts:
        st.caption("Age and sex were read from the DICOM header; nothing else from it is kept.")
    with st.form("facts"):
        c1, c2, c3, c4 = st.columns(4)
        age = c1.number_input("Age (years)", value=facts.get("age_years"), step=1.0, format="%g")
        sex = c2.selectbox("Sex", ["female", "male"], index=None if "sex" not in facts else
                           ["female", "male"].index(facts["sex"]))
        weight = c3.number_input("Weight (kg)", value=None, step=0.5, format="%g")
        height = c4.number_input("Height (cm)", value=None, step=0.5, format="%g")
        given = st.form_submit_button("Combine with the image")
    if given:
        try:
            patient = parse_patient({"age": age, "sex": sex, "weight_kg": weight, "height_cm": height})
            pre = assess_patient(patient, model=warm_up_risk_model(), explain=False).probability
            post = post_test_probability(pre, prediction.probabilities["osteoporosis"],
                                         density_model.prevalence["osteoporosis"])
            st.session_state["img_post_test"] = (pre, post)
            st.plotly_chart(pre_post_figure(pre, post), width="stretch")
            st.caption("Pre-test: the clinical model (NHANES, self-reported diagnosis). Post-test: pre-test odds × "
                       "the image's likelihood ratio for osteoporosis. The two models were trained on different "
                       "labels and both lean on age, so treat the result as indicative.")
        except InputValidationError as exc:
            for message in exc.issues:
                st.error(message)

    result_actions("image", profile_from_image_bone_density(prediction.category),
                   partial(density_case_report, prediction, overlay, model_version=density_model.version,
                           method=method, disclaimer=CAVEAT, post_test=st.session_state.get("img_post_test"),
                           file_name=upload.name), key="image")
    offer_save_screening("image_screening", None, *density_record(prediction, upload.name, density_model.version,
                                                                  st.session_state.get("img_post_test")),
                         image_png=png_bytes(prediction.model_view))

if models_ready:
    st.caption(f"Model version: `{density_model.version}`")
with st.expander("Model card: bone density from a knee radiograph"):
    st.markdown(read_model_card("bone_density_knee") or "The model card is missing.")
st.info(CAVEAT)
