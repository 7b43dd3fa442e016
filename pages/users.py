"""Users (admin): who may log in with which role, add or remove a user, and the latest audit-log lines.

Everything here also has a command: `python -m osteo_core add-user NAME --role ROLE`, `list-users`, `remove-user`.
"""

from __future__ import annotations

import streamlit as st

from app_support.auth import current_session, page_guard
from app_support.history import StoreError, audit, clear_failures, list_audit, open_store
from osteo_core.auth_users import UserError, add_user, list_users, remove_user
from osteo_core.config import credentials_file
from osteo_core.vocabulary import ROLES

page_guard(__file__)

st.title("👥 Users and audit log")
session = current_session()
path = credentials_file()
if flash := st.session_state.pop("users_flash", None):
    st.success(flash)
if session.local:
    st.info("Local mode: no credentials file yet. Adding a user here creates it — after that a login is "
            "required, so make the first user an **admin** and remember the password.")

users = list_users(path)
st.dataframe([{"Username": u, "Role": r, "Name": n} for u, r, n in users], hide_index=True, width="stretch")
st.caption(f"Credentials file: `{path}` (bcrypt hashes, mode 0600, outside git).")

left, right = st.columns(2)
with left, st.form("users_add", clear_on_submit=True):
    st.markdown("**Add a user**")
    username = st.text_input("Username", help="2–32 lower-case letters, digits, _ . -")
    name = st.text_input("Full name (optional)")
    role = st.selectbox("Role", ROLES, index=0 if not users else 1)
    password = st.text_input("Password (at least 8 characters)", type="password")
    replace = st.checkbox("Replace the user if it exists (e.g. a new password: unlocks them, ends their sessions)")
    if st.form_submit_button("Add user"):
        try:
            add_user(path, username.strip(), role, password, name=name.strip() or None, replace=replace)
            audit(open_store(), session.username, "add_user", f"{username.strip()} as {role}")
            if replace:  # a new password unlocks the user (and ends their open sessions)
                clear_failures(open_store(), username.strip())
        except (UserError, StoreError) as exc:
            st.error(str(exc))
        else:
            st.session_state["users_flash"] = f"User {username.strip()!r} saved with role {role}."
            st.rerun()
with right, st.form("users_remove"):
    st.markdown("**Remove a user**")
    gone = st.selectbox("User", [u for u, _, _ in users if u != session.username] or ["—"])
    if st.form_submit_button("Remove user", disabled=not users):
        try:
            remove_user(path, gone)
            audit(open_store(), session.username, "remove_user", gone)
        except (UserError, StoreError) as exc:
            st.error(str(exc))
        else:
            st.session_state["users_flash"] = f"User {gone!r} removed."
            st.rerun()

st.subheader("Audit log (latest 200)")
try:
    entries = list_audit(open_store())
except StoreError as exc:
    st.error(f"The history database cannot be opened. Details: {exc}")
else:
    st.dataframe([{"When (UTC)": f"{e.at:%Y-%m-%d %H:%M:%S}", "Who": e.username, "What": e.action,
                   "Patient": e.patient_id, "Detail": e.detail} for e in entries], hide_index=True, width="stretch")
