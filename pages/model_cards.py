"""Model cards: each shipped model's card (models/<name>/model_card.md) and its evaluation numbers."""

from __future__ import annotations

import streamlit as st

from app_support.auth import page_guard
from app_support.loaders import list_models, read_evaluation, read_model_card
from app_support.model_card_charts import show_evaluation_charts
from osteo_core.i18n import N_, _, current_language

page_guard(__file__)

# The shipped models' names as shown (a model folder not listed here shows its folder name).
MODEL_TITLES = {"clinical_risk": N_("Clinical risk"), "knee_kl": N_("Knee KL grade"),
                "body_part_gate": N_("Body-part check"), "bone_density_knee": N_("Bone density from a knee radiograph")}

st.title("📄 " + _("Model cards"))
st.caption(_("How each shipped model was built and tested, what it is for, and where it must not be used."))

names = list_models()
if not names:
    st.error(_("No model cards were found in the models folder. Train a model first (see the README)."))
    st.stop()

first = names.index("clinical_risk") if "clinical_risk" in names else 0
name = st.selectbox(_("Model"), names, index=first, key="model_card",
                    format_func=lambda n: _(MODEL_TITLES[n]) if n in MODEL_TITLES else n.replace("_", " ").capitalize())
evaluation = read_evaluation(name)
if evaluation is not None:
    show_evaluation_charts(evaluation)
if current_language() != "en":
    st.info(_("Model cards are technical documents for reviewers and are written in English only; the charts "
              "above and every other page follow your language."), icon="🌐")
with st.container(key="model_card_document"):  # the cards themselves are English (browser tests skip this box)
    st.markdown(read_model_card(name) or _("This model card cannot be read."))
with st.expander(_("Evaluation numbers (evaluation.json)")):
    if evaluation is None:
        st.info(_("No evaluation file for this model."))
    else:
        st.json(evaluation, expanded=2)
