"""Home: what the dashboard is, who it is for, and its limits. Draws instantly: imports no ML libraries."""

from __future__ import annotations

import streamlit as st

from app_support import DISCLAIMER
from app_support.auth import page_guard
from osteo_core.i18n import _, format_decimal

page_guard(__file__)

st.title("🦴 " + _("Osteoporosis screening"))
st.markdown(_(
    "This dashboard turns routine facts about a patient — age, sex, weight, height, fractures, medicines, "
    "smoking and alcohol — into an **explainable osteoporosis risk signal** and a **suggested next step**: "
    "whether a DXA scan referral is worth considering."
))
st.warning(_(DISCLAIMER))

left, right = st.columns(2)
with left:
    st.subheader(_("Who it is for"))
    st.markdown(_(
        "- Primary-care clinicians and nurses deciding whom to refer for a DXA scan.\n"
        "- Adults aged 50–80 (the model learned from hip DXA scans of US adults aged 40–80; under 50 it warns).\n"
        "- Not for people already diagnosed or treated for osteoporosis, nor for children."
    ))
with right:
    st.subheader(_("What you get"))
    st.markdown(_(
        "- The estimated chance (%) that a hip DXA would show osteoporosis, with a low / moderate / high band.\n"
        "- An estimated femoral-neck T-score (SD) with an {share} range — an estimate, never a measurement.\n"
        "- The validated screening tools OST, ORAI and SCORE side by side, with their cut-offs.\n"
        "- Which facts raised or lowered the estimate, and which of them a patient can change.\n"
        "- The WHO category of a measured DXA T-score (SD), when one is entered."
    ).format(share=f"{format_decimal(80, 0)} %"))

st.subheader(_("Start"))
st.page_link("pages/clinical_risk.py", label=_("Clinical risk: assess one patient"), icon="🩺")
st.page_link("pages/model_cards.py", label=_("Model cards: how the model was built and tested"), icon="📄")

st.caption(_(
    "The model was trained on hip DXA results of US NHANES adults: it estimates what a scan would likely show; "
    "it does not measure bone density or estimate fracture risk. DXA is the diagnostic test."
))
