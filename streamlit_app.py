"""Entry point of the osteoporosis screening dashboard: `streamlit run streamlit_app.py`."""

from __future__ import annotations

import streamlit as st

from app_support.navigation import pages_for

st.set_page_config(page_title="Osteoporosis screening", page_icon="🦴", layout="wide")

role = None  # no login configured yet: every page is shown
navigation = {
    group: [st.Page(e.path, title=e.title, icon=e.icon, default=e.default) for e in entries]
    for group, entries in pages_for(role).items()
}
page = st.navigation(navigation)
st.sidebar.caption("An aid to referral, not a diagnosis.")
page.run()
