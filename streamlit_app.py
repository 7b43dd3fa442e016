"""Entry point of the osteoporosis screening dashboard: `streamlit run streamlit_app.py`."""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="Osteoporosis screening", page_icon="🦴", layout="wide")

home = st.Page("pages/home.py", title="Home", icon="🏠", default=True)
clinical_risk = st.Page("pages/clinical_risk.py", title="Clinical risk", icon="🩺")
model_cards = st.Page("pages/model_cards.py", title="Model cards", icon="📄")

# Pages still to come from other issues are registered here once they work, in their task group:
#   "Screening": image screening (radiograph), knee osteoarthritis staging, cohort upload, recommendations;
#   login / account pages go in their own group.
pages = {
    "Screening": [clinical_risk],
    "About": [home, model_cards],
}

page = st.navigation(pages)
st.sidebar.caption("An aid to referral, not a diagnosis.")
page.run()
