"""Model cards: each shipped model's card (models/<name>/model_card.md) and its evaluation numbers."""

from __future__ import annotations

import streamlit as st

from app_support.auth import page_guard
from app_support.loaders import list_models, read_evaluation, read_model_card
from app_support.model_card_charts import show_evaluation_charts

page_guard(__file__)

st.title("📄 Model cards")
st.caption("How each shipped model was built and tested, what it is for, and where it must not be used.")

names = list_models()
if not names:
    st.error("No model cards were found in the models folder. Train a model first (see the README).")
    st.stop()

first = names.index("clinical_risk") if "clinical_risk" in names else 0
name = st.selectbox("Model", names, index=first, format_func=lambda n: n.replace("_", " ").capitalize(),
                    key="model_card")
evaluation = read_evaluation(name)
if evaluation is not None:
    show_evaluation_charts(evaluation)
st.markdown(read_model_card(name) or "This model card cannot be read.")
with st.expander("Evaluation numbers (evaluation.json)"):
    if evaluation is None:
        st.info("No evaluation file for this model.")
    else:
        st.json(evaluation, expanded=2)
