"""Users (admin): who may log in with which role, add or remove a user, and the latest audit-log lines.

Everything here also has a command: `python -m osteo_core add-user NAME --role ROLE`, `list-users`, `remove-user`.
"""

from __future__ import annotations

import streamlit as st

from app_support.auth import current_session, page_guard, role_label
from app_support.history import StoreError, audit, clear_failures, list_audit, open_store
from osteo_core.auth_users import UserError, add_user, list_users, remove_user
from osteo_core.config import credentials_file
from osteo_core.i18n import _
from osteo_core.vocabulary import ROLES

page_guard(__file__)

st.title("👥 " + _("Users and audit log"))
session = current_session()
path = credentials_file()
if flash := st.session_state.pop("users_flash", None):
    st.success(flash)
if session.local:
    st.info(_("Local mode: no credentials file yet. Adding a user here creates it — after that a login is "
              "required, so make the first user an **admin** and remember the password."))

users = list_users(path)
st.dataframe([{_("Username"): u, _("Role"): role_label(r), _("Name"): n} for u, r, n in users], hide_index=True,
             width="stretch")
st.caption(_("Credentials file: `{path}` (bcrypt hashes, mode 0600, outside git).").format(path=path))

left, right = st.columns(2)
with left, st.form("users_add", clear_on_submit=True):
    st.markdown("**" + _("Add a user") + "**")
    username = st.text_input(_("Username"), help=_("2–32 lower-case letters, digits, _ . -"))
    name = st.text_input(_("Full name (optional)"))
    role = st.selectbox(_("Role"), ROLES, index=0 if not users else 1, format_func=role_label)
    password = st.text_input(_("Password (at least 8 characters)"), type="password")
    replace = st.checkbox(_("Replace the user if it exists (e.g. a new password: unlocks them, ends their "
                            "sessions)"))
    if st.form_submit_button(_("Add user")):
        try:
            add_user(path, username.strip(), role, password, name=name.strip() or None, replace=replace)
            audit(open_store(), session.username, "add_user", f"{username.strip()} as {role}")
            if replace:  # a new password unlocks the user (and ends their open sessions)
                clear_failures(open_store(), username.strip())
        except (UserError, StoreError) as exc:
            st.error(str(exc))
        else:
            st.session_state["users_flash"] = _("User {user} saved with role {role}.").format(
                user=repr(username.strip()), role=role_label(role))
            st.rerun()
with right, st.form("users_remove"):
    st.markdown("**" + _("Remove a user") + "**")
    gone = st.selectbox(_("User"), [u for u, _role, _name in users if u != session.username] or ["—"])
    if st.form_submit_button(_("Remove user"), disabled=not users):
        try:
            remove_user(path, gone)
            audit(open_store(), session.username, "remove_user", gone)
        except (UserError, StoreError) as exc:
            st.error(str(exc))
        else:
            st.session_state["users_flash"] = _("User {user} removed.").format(user=repr(gone))
            st.rerun()

st.subheader(_("Audit log (latest 200)"))
try:
    entries = list_audit(open_store())
except StoreError as exc:
    st.error(_("The history database cannot be opened. Details: {error}").format(error=exc))
else:
    st.dataframe([{_("When (UTC)"): f"{e.at:%Y-%m-%d %H:%M:%S}", _("Who"): e.username, _("What"): e.action,
                   _("Patient"): e.patient_id, _("Detail"): e.detail} for e in entries], hide_index=True,
                 width="stretch")
