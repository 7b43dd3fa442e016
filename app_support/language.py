"""The sidebar language switcher: which language this browser session speaks, remembered per user.

First visit: the browser's language (``st.context.locale``) when the app speaks it, else English. After a login,
the language that user chose last time (kept in the history database); every change of the switcher is saved
for a logged-in user. Local mode and demo accounts keep the choice for the browser session only.
"""

from __future__ import annotations

import streamlit as st

from app_support.auth import Session
from osteo_core.i18n import LANGUAGES, _, language_from_locale, needs_review, set_language
from osteo_core.store import StoreError, open_store
from osteo_core.store.preferences import save_language, saved_language

LANGUAGE_KEY = "osteo_language"  # the language of this browser session (the truth)
_CHOICE_KEY = "osteo_language_choice"  # the switcher widget
_LOADED_FOR = "osteo_language_user"  # the user whose saved language has been applied


def _browser_language() -> str:
    try:
        return language_from_locale(st.context.locale)
    except Exception:  # noqa: BLE001 (no browser context, e.g. a script run outside a server)
        return language_from_locale(None)


def apply_language() -> str:
    """Make this session's language current for the run (call first thing, before any text); returns its code."""
    if LANGUAGE_KEY not in st.session_state:
        st.session_state[LANGUAGE_KEY] = _browser_language()
    return set_language(st.session_state[LANGUAGE_KEY])


def _remembers(session: Session | None) -> bool:
    return session is not None and not session.local and session.may_store


def _chosen(session: Session | None) -> None:
    language = st.session_state[_CHOICE_KEY]
    st.session_state[LANGUAGE_KEY] = language
    set_language(language)
    if _remembers(session):
        try:
            save_language(open_store(), session.username, language)
        except StoreError:
            pass  # the choice still holds for this browser session; it is not remembered for next time


def language_switcher(session: Session | None) -> None:
    """Draw the switcher in the sidebar; after a login, switch to the language that user saved (once)."""
    if _remembers(session) and st.session_state.get(_LOADED_FOR) != session.username:
        st.session_state[_LOADED_FOR] = session.username
        try:
            saved = saved_language(open_store(), session.username)
        except StoreError:
            saved = None
        if saved and saved != st.session_state.get(LANGUAGE_KEY):
            st.session_state[LANGUAGE_KEY] = saved
            st.rerun()
    st.session_state[_CHOICE_KEY] = st.session_state[LANGUAGE_KEY]
    st.sidebar.selectbox("🌐 " + _("Language"), options=list(LANGUAGES), format_func=LANGUAGES.__getitem__,
                         key=_CHOICE_KEY, on_change=_chosen, args=(session,))
    if needs_review(st.session_state[LANGUAGE_KEY]):
        st.sidebar.caption("⚠️ " + _("Translation not yet reviewed by a clinician. The English text is the "
                                     "reference."))
