"""Entry point of the osteoporosis screening dashboard: `streamlit run streamlit_app.py`.

Login: with no credentials file the app runs in local mode (every page, a banner, this computer only); once an
admin exists (`python -m osteo_core add-user NAME --role admin`) a login is required and each role sees its own
pages.
"""

from __future__ import annotations

import streamlit as st

from app_support.auth import LOCAL_MODE_TEXT, login_page, require_login
from app_support.image_models import note_script_run, warm_up_image_models
from app_support.language import apply_language, language_switcher
from app_support.navigation import pages_for
from osteo_core.i18n import _

note_script_run()  # a browser is being served: an idle-start warm-up (app_support.serve) leaves the start to it
apply_language()  # before any text: the browser session's language (browser locale first, then the user's own)
st.set_page_config(page_title=_("Osteoporosis screening"), page_icon="🦴", layout="wide")

session = require_login()
language_switcher(session)
if session is None:  # the login form is on screen: offer no other page, not even by URL
    page = st.navigation([login_page()], position="hidden")
else:
    navigation = {
        _(group): [st.Page(e.path, title=_(e.title), icon=e.icon, default=e.default) for e in entries]
        for group, entries in pages_for(session.role).items()
    }
    page = st.navigation(navigation)
    if session.local:
        st.warning(_(LOCAL_MODE_TEXT), icon="🔓")
        st.sidebar.caption("🔓 " + _("Local mode — no login configured."))
st.sidebar.caption(_("An aid to referral, not a diagnosis."))
page.run()
warm_up_image_models()  # background thread, after the first page is drawn; once per process
