"""Login for the app: streamlit-authenticator's form, roles, logout, failed-login limit, cookie revocation.

``require_login()`` is called once per run by ``streamlit_app.py``:

* no credentials file → local mode: everybody is user ``local`` with every page (a banner says so);
* credentials file → the login form until a user logs in; then their role picks the pages.

Mitigations of streamlit-authenticator 0.4.2 weaknesses (see README "Login and users"):

* failed logins are counted in the database (5 per 15 minutes per user), not in the per-run credentials dict;
* its cookie is a JWT of (username, expiry) that stays valid after logout: we record each logout and refuse
  any cookie issued before it, and keep the cookie short-lived (``OSTEO_SESSION_HOURS``, default 8);
* the cookie key never comes from the credentials file (secrets, ``OSTEO_COOKIE_KEY`` or a generated file).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import streamlit as st

from osteo_core.auth_users import load_credentials, load_or_create_cookie_key, role_of
from osteo_core.config import cookie_key_file, credentials_file, session_hours

COOKIE_NAME = "osteo_auth"
LOCAL_MODE_TEXT = (
    "**Local mode: login not configured** — every page is open and history is saved as user `local`. "
    "Create the first admin with `python -m osteo_core add-user NAME --role admin`."
)
_SESSION_KEY = "osteo_session"


@dataclass(frozen=True)
class Session:
    """Who is using the app. ``role`` is ``None`` in local mode (no credentials file: every page)."""

    username: str
    name: str
    role: str | None

    @property
    def local(self) -> bool:
        return self.role is None

    @property
    def may_store(self) -> bool:
        """Demo users never store anything."""
        return self.role != "demo"


LOCAL = Session("local", "Local user", None)


def current_session() -> Session:
    """The session set by :func:`require_login` this run (local mode when the entry page did not set one)."""
    return st.session_state.get(_SESSION_KEY, LOCAL)


def cookie_key() -> str:
    """The cookie signing key: ``st.secrets["auth"]["cookie_key"]``, else ``OSTEO_COOKIE_KEY``, else a random key
    generated once into ``var/cookie_key`` (mode 0600)."""
    try:
        key = st.secrets["auth"]["cookie_key"]
    except (KeyError, FileNotFoundError):
        key = None
    return str(key or os.environ.get("OSTEO_COOKIE_KEY") or load_or_create_cookie_key(cookie_key_file()))


def _revoke_stale_cookie(engine, key: str, hours: float) -> None:  # noqa: ANN001 (sa.Engine)
    """Make the library ignore a login cookie issued before the user's last logout."""
    import jwt

    from osteo_core.store import logins

    raw = st.context.cookies.get(COOKIE_NAME)
    if not raw or st.session_state.get("authentication_status"):
        return
    try:
        token = jwt.decode(raw, key, algorithms=["HS256"])
        issued = datetime.fromtimestamp(float(token["exp_date"]), UTC) - timedelta(hours=hours)
        username = str(token["username"])
    except (jwt.PyJWTError, KeyError, TypeError, ValueError):
        return  # the library itself rejects a token it cannot decode
    if logins.cookie_revoked(engine, username, issued):
        st.session_state["logout"] = True  # the library's own "do not log in from the cookie" flag


def _login_page() -> None:
    st.caption("No account yet? Ask an admin: `python -m osteo_core add-user NAME --role clinician`.")


def require_login() -> Session | None:
    """Log the user in (or local mode); returns the session, or ``None`` while the login form is shown.

    Also draws the user name and the logout button in the sidebar.
    """
    path = credentials_file()
    if not path.exists():
        st.session_state[_SESSION_KEY] = LOCAL
        return LOCAL
    import streamlit_authenticator as stauth
    from streamlit_authenticator.utilities import LoginError

    from osteo_core.store import audit, logins, open_store

    data = load_credentials(path)
    users = data["credentials"]["usernames"]
    engine = open_store()
    counts = logins.failure_counts(engine)
    for username, user in users.items():
        user["failed_login_attempts"] = counts.get(username, 0)
    hours = session_hours()
    key = cookie_key()
    # login_sleep_time=0: the library's 0.7 s pause on every logged-out run let its cookie component's first
    # rerun interrupt the run and drop the page a link asked for; guessing is limited by the failed-login count.
    authenticator = stauth.Authenticate(data["credentials"], COOKIE_NAME, key, hours / 24, auto_hash=False,
                                        login_sleep_time=0)
    _revoke_stale_cookie(engine, key, hours)
    was_in = bool(st.session_state.get("authentication_status"))
    title = st.empty()
    if not was_in:
        title.title("🦴 Osteoporosis screening")
    try:
        authenticator.login(location="main", max_login_attempts=logins.MAX_FAILED_LOGINS, key="login",
                            fields={"Form name": "Log in", "Username": "Username", "Password": "Password",
                                    "Login": "Log in"},
                            callback=lambda _info: st.session_state.update(osteo_form_login=True))
    except LoginError as exc:
        if "attempts" in str(exc):
            st.error(f"Too many failed logins for this user: wait {logins.LOCKOUT_MINUTES} minutes and try again.")
        else:
            st.error(f"Login refused: {exc}")
    for username, user in users.items():
        if user.get("failed_login_attempts", 0) > counts.get(username, 0):
            logins.record_failure(engine, username)
    if st.session_state.get("authentication_status") is False:
        st.error("Username or password is incorrect.")
    username = st.session_state.get("username")
    if not st.session_state.get("authentication_status") or username not in users:
        st.session_state.pop(_SESSION_KEY, None)
        return None
    user = users[username]
    role = role_of(user)
    if role is None:
        st.error(f"User {username!r} has no known role; ask an admin to set one.")
        return None
    if not was_in:
        by_form = st.session_state.pop("osteo_form_login", False)
        logins.clear_failures(engine, username)
        audit(engine, username, "login" if by_form else "login_cookie")
        if by_form:  # draw the pages without the login form above them; the cookie is set on that run
            st.session_state["osteo_set_cookie"] = True
            st.rerun()
        title.empty()  # a cookie login drew no form: stay on the page the URL asked for
    if st.session_state.pop("osteo_set_cookie", False):
        authenticator.cookie_controller.set_cookie()
    session = Session(username, str(user.get("name") or username), role)
    st.session_state[_SESSION_KEY] = session
    st.sidebar.markdown(f"Logged in as **{session.name}** ({role})")
    authenticator.logout("Log out", "sidebar", key="osteo_logout",
                         callback=lambda info: logins.record_logout(engine, info["username"]))
    if not st.session_state.get("authentication_status"):
        st.session_state.pop(_SESSION_KEY, None)
        st.rerun()
    return session


def login_page() -> st.Page:
    """The only page while nobody is logged in (the login form itself is drawn by :func:`require_login`)."""
    return st.Page(_login_page, title="Log in", icon="🔐", url_path="login", default=True)


def page_guard(page_file: str) -> Session:
    """The first call of every page: the session allowed to see it, or the page stops here.

    On a fresh server Streamlit serves the files in ``pages/`` directly until the entry script has run once, so a
    deep link could reach a page without passing the login in ``streamlit_app.py``. Each page therefore checks for
    itself: without a login (when one is configured) or with a role that does not list the page, nothing is drawn.
    """
    from pathlib import Path

    from app_support.navigation import PAGES

    session = st.session_state.get(_SESSION_KEY)
    if session is None:
        if not credentials_file().exists():
            return LOCAL
        st.warning("Please log in first.")
        st.markdown("[Go to the login page](/)")
        st.stop()
    if session.role is not None:
        name = Path(page_file).name
        if not any(Path(entry.path).name == name and session.role in entry.roles for entry in PAGES):
            st.error("Your role cannot open this page.")
            st.stop()
    return session
