"""Login for the app: our own login form on streamlit-authenticator's cookie, roles, logout, login limits.

``require_login()`` is called once per run by ``streamlit_app.py``:

* no credentials file → local mode: everybody is user ``local`` with every page (a banner says so), but only
  clients on this computer (127.0.0.1 / ::1) are served — any other address gets a refusal that says how to add
  an admin. A client whose address is unknown is refused too; the one exception is Streamlit's own test harness
  (``AppTest`` sets the hidden config option ``global.appTest``, and has no client connection at all);
* credentials file → the login form until a user logs in; then their role picks the pages.

Mitigations of streamlit-authenticator 0.4.2 weaknesses (see README "Login and users"):

* the password is checked by :func:`osteo_core.store.logins.attempt_login`, not by the library: limits per user
  name (5 per 15 minutes, unknown names too) and per client (20), counted atomically before the check, and
  refused when the count cannot be written; an unknown user name costs one bcrypt check like a real one;
* its cookie is a JWT of (username, expiry) that stays valid after logout: we record each logout and refuse
  any cookie issued before it, and keep the cookie short-lived (``OSTEO_SESSION_HOURS``, default 8);
* every run re-checks the session against the user's last logout and password/role change (session epoch),
  so a logout on one device or a new password ends the user's sessions everywhere;
* the cookie key never comes from the credentials file (secrets, ``OSTEO_COOKIE_KEY`` or a generated file),
  and a placeholder or a key under 32 bytes turns login off with a message.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import streamlit as st

from osteo_core.auth_users import (
    UserError,
    load_credentials,
    load_or_create_cookie_key,
    password_matches,
    role_of,
    sessions_valid_after,
    validate_cookie_key,
)
from osteo_core.config import COOKIE_KEY_ENV, cookie_key_file, cookie_key_setting, credentials_file, session_hours
from osteo_core.i18n import N_, _

COOKIE_NAME = "osteo_auth"
LOCAL_MODE_TEXT = N_(
    "**Local mode: login not configured** — only this computer (127.0.0.1) can open the app; every page is open "
    "and history is saved as user `local`. To open it to others safely, create the first admin with "
    "`python -m osteo_core add-user NAME --role admin` and restart with `scripts/run_app.sh`: a login is then "
    "required and the app listens on the network."
)
LOCAL_ONLY_TEXT = N_(
    "**This app has no login configured (local mode), so it only serves the computer it runs on.** "
    "To open it to others safely, the operator creates an admin — `python -m osteo_core add-user NAME --role "
    "admin` — and restarts it with `scripts/run_app.sh`; everybody then logs in."
)
_SESSION_KEY = "osteo_session"
_LOGIN_AT = "osteo_login_at"  # UTC timestamp (s) when this browser session logged in (cookie: when it was issued)
_LIBRARY_KEYS = ("name", "username", "authentication_status", "email", "roles")
# Role names as shown (the values stay English everywhere else: credentials file, navigation, audit log).
ROLE_LABELS = {"admin": N_("admin"), "clinician": N_("clinician"), "analyst": N_("analyst"), "demo": N_("demo")}


def role_label(role: str | None) -> str:
    """A role as shown to users, in the current language (an unknown role as it is, ``None`` as "")."""
    return _(ROLE_LABELS[role]) if role in ROLE_LABELS else (role or "")


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


def client_address() -> str | None:
    """The address of this browser session's connection (the TCP peer; uvicorn takes ``X-Forwarded-For`` only
    from a proxy on 127.0.0.1), or ``None`` when unknown. Unlike ``st.context.ip_address`` it does not turn
    127.0.0.1 into ``None``, so "local" and "unknown" stay apart."""
    try:
        from streamlit.runtime import exists, get_instance
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        if ctx is None or not exists():
            return None
        client = get_instance().get_client(ctx.session_id)
        address = getattr(getattr(client, "client_context", None), "remote_ip", None)
    except Exception:  # noqa: BLE001 - any failure means "unknown", which is refused below
        return None
    return address if isinstance(address, str) and address else None


def is_loopback(address: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and ::ffff:127.x; False for anything else, including ``None`` and junk."""
    try:
        ip = ipaddress.ip_address((address or "").split("%")[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


def local_client_allowed() -> bool:
    """Local mode serves loopback clients only. An unknown address is refused (fail closed), except under
    Streamlit's ``AppTest`` harness (hidden option ``global.appTest``), which runs the script without a server."""
    address = client_address()
    if address is None:
        from streamlit import config  # AppTest patches config.get_option, not the st.get_option alias

        return bool(config.get_option("global.appTest"))
    return is_loopback(address)


def _refuse_remote_local_mode() -> None:
    st.session_state.pop(_SESSION_KEY, None)
    st.error(_(LOCAL_ONLY_TEXT), icon="🔒")


def current_session() -> Session:
    """The session set by :func:`require_login` this run; stops the page when there is none (fail closed)."""
    session = st.session_state.get(_SESSION_KEY)
    return session if session is not None else page_guard("")


def cookie_key() -> str:
    """The cookie signing key: ``st.secrets["auth"]["cookie_key"]``, else ``OSTEO_COOKIE_KEY``, else a random key
    generated once into ``var/cookie_key`` (mode 0600).

    Raises :class:`~osteo_core.auth_users.UserError` when the key given is a placeholder or under 32 bytes.
    """
    try:
        key = st.secrets["auth"]["cookie_key"]
    except (KeyError, FileNotFoundError):
        key = None
    if key:
        return validate_cookie_key(str(key), ".streamlit/secrets.toml ([auth] cookie_key)")
    if env_key := cookie_key_setting():
        return validate_cookie_key(env_key, COOKIE_KEY_ENV)
    return load_or_create_cookie_key(cookie_key_file())


def _cookie_login(key: str, hours: float) -> tuple[str, datetime] | None:
    """(username, when it was issued) of the login cookie this browser sent, or ``None``."""
    import jwt

    raw = st.context.cookies.get(COOKIE_NAME)
    if not raw:
        return None
    try:
        token = jwt.decode(raw, key, algorithms=["HS256"])
        issued = datetime.fromtimestamp(float(token["exp_date"]), UTC) - timedelta(hours=hours)
        return str(token["username"]), issued
    except (jwt.PyJWTError, KeyError, TypeError, ValueError, OverflowError):
        return None  # the library itself rejects a token it cannot decode


def _session_ended(engine, users: dict) -> str | None:  # noqa: ANN001 (sa.Engine)
    """Why this logged-in browser session must end now (``None``: it may go on)."""
    from osteo_core.store import StoreError, logins

    username = st.session_state.get("username")
    user = users.get(username) if isinstance(username, str) else None
    login_at = st.session_state.get(_LOGIN_AT)
    if user is None or login_at is None:
        return _("Your account is no longer valid here; please log in again.")
    try:
        ended = logins.cookie_revoked(engine, username, datetime.fromtimestamp(float(login_at), UTC),
                                      sessions_valid_after(user))
    except StoreError as exc:
        return _("Your session cannot be checked ({error}), so it was closed.").format(error=exc)
    return _("You were logged out (logout on another device, or a new password or role).") if ended else None


def _end_session(authenticator) -> None:  # noqa: ANN001 (stauth.Authenticate)
    for name in _LIBRARY_KEYS:
        st.session_state[name] = None
    st.session_state["logout"] = True  # the library's own "do not log in from the cookie" flag
    st.session_state.pop(_LOGIN_AT, None)
    st.session_state.pop(_SESSION_KEY, None)
    authenticator.cookie_controller.delete_cookie()


def _login_form(engine, users: dict) -> None:  # noqa: ANN001 (sa.Engine)
    """Draw the form; on submit count the attempt, check the password, and log in (then rerun)."""
    from osteo_core.store import StoreError, audit, logins

    with st.form("login"):
        st.subheader(_("Log in"))
        typed = st.text_input(_("Username"), autocomplete="off")
        password = st.text_input(_("Password"), type="password", autocomplete="off")
        submitted = st.form_submit_button(_("Log in"))
    if not submitted:
        return
    username = typed.strip()
    try:
        ok = logins.attempt_login(engine, username, client_address(),
                                  lambda: password_matches(users, username, password))
        if ok:
            audit(engine, username, "login")
    except logins.LoginLockedError as exc:
        st.error(str(exc))
        return
    except StoreError as exc:
        st.error(_("Login is unavailable: {error}. The password was not checked; ask the administrator.")
                 .format(error=exc))
        return
    if not ok:
        st.error(_("Username or password is incorrect."))
        return
    user = users[username]
    st.session_state.update(authentication_status=True, username=username, name=str(user.get("name") or username),
                            email=user.get("email"), roles=user.get("roles"), logout=False)
    st.session_state[_LOGIN_AT] = datetime.now(UTC).timestamp()
    st.session_state["osteo_set_cookie"] = True  # set on the next run, which draws the pages without the form
    st.rerun()


def _login_page() -> None:
    if credentials_file().exists():
        st.caption(_("No account yet? Ask an admin: `python -m osteo_core add-user NAME --role clinician`."))


def require_login() -> Session | None:
    """Log the user in (or local mode); returns the session, or ``None`` while the login form is shown.

    Also draws the user name and the logout button in the sidebar. Problems (no cookie key, database down,
    a bad credentials file) are shown as messages and keep everybody logged out.
    """
    path = credentials_file()
    if not path.exists():
        if not local_client_allowed():
            _refuse_remote_local_mode()
            return None
        st.session_state[_SESSION_KEY] = LOCAL
        return LOCAL
    st.session_state.pop(_SESSION_KEY, None)
    import streamlit_authenticator as stauth
    from streamlit_authenticator.utilities import LoginError

    from osteo_core.store import StoreError, audit, logins, open_store

    try:
        data = load_credentials(path)
        key = cookie_key()
        engine = open_store()
    except (UserError, StoreError) as exc:
        st.error(_("Login is unavailable: {error}").format(error=exc))
        return None
    users = data["credentials"]["usernames"]
    hours = session_hours()
    # login_sleep_time=0: the library's 0.7 s pause on every logged-out run let its cookie component's first
    # rerun interrupt the run and drop the page a link asked for; guessing is limited by attempt_login.
    authenticator = stauth.Authenticate(data["credentials"], COOKIE_NAME, key, hours / 24, auto_hash=False,
                                        login_sleep_time=0)
    was_in = bool(st.session_state.get("authentication_status"))
    if was_in and (reason := _session_ended(engine, users)):
        _end_session(authenticator)
        st.warning(reason)
        was_in = False
    if not was_in:
        cookie = _cookie_login(key, hours)
        if cookie is not None and not st.session_state.get("logout"):
            name, issued = cookie
            try:
                stale = name not in users or logins.cookie_revoked(engine, name, issued,
                                                                   sessions_valid_after(users[name]))
            except StoreError:
                stale = True  # cannot check it: refuse it
            if stale:
                st.session_state["logout"] = True
            else:
                try:
                    authenticator.login(location="unrendered")  # the library checks the signature and expiry
                except LoginError:
                    pass
                if st.session_state.get("authentication_status"):
                    st.session_state[_LOGIN_AT] = issued.timestamp()
                    try:
                        audit(engine, name, "login_cookie")
                    except StoreError:
                        pass  # the login itself needs no write; the audit line is best effort
    if not st.session_state.get("authentication_status"):
        st.title("🦴 " + _("Osteoporosis screening"))
        _login_form(engine, users)
        return None
    username = st.session_state.get("username")
    user = users[username]
    role = role_of(user)
    if role is None:
        st.error(_("User {user} has no known role; ask an admin to set one.").format(user=repr(username)))
        return None
    if st.session_state.pop("osteo_set_cookie", False):
        authenticator.cookie_controller.set_cookie()
    if warning := st.session_state.pop("osteo_logout_warning", None):
        st.warning(warning)
    session = Session(username, str(user.get("name") or username), role)
    st.session_state[_SESSION_KEY] = session
    st.sidebar.markdown(_("Logged in as **{name}** ({role})").format(name=session.name, role=role_label(role)))
    authenticator.logout(_("Log out"), "sidebar", key="osteo_logout",
                         callback=lambda info: _record_logout(engine, info))
    if not st.session_state.get("authentication_status"):
        st.session_state.pop(_SESSION_KEY, None)
        st.rerun()
    return session


def _record_logout(engine, info: dict) -> None:  # noqa: ANN001 (sa.Engine)
    from osteo_core.store import StoreError, logins

    try:
        logins.record_logout(engine, info["username"])
    except StoreError as exc:
        st.session_state["osteo_logout_warning"] = _(
            "Logged out here only: other devices stay logged in ({error}).").format(error=exc)


def login_page() -> st.Page:
    """The only page while nobody is logged in (the login form itself is drawn by :func:`require_login`)."""
    return st.Page(_login_page, title=_("Log in"), icon="🔐", url_path="login", default=True)


_KEEPS_RESULTS = ("cohort.py", "radiograph_batch.py")  # pages whose large results live in the session


def free_left_behind(page_file: str) -> None:
    """Free the cohort table and radiograph results when the user opens any other page (memory per session)."""
    from pathlib import Path

    if Path(page_file).name in _KEEPS_RESULTS:
        return
    if "cohort" in st.session_state or "image_result" in st.session_state:
        from app_support.cohort_session import release  # lazy: heavy imports only when there is something to free

        release()


def page_guard(page_file: str) -> Session:
    """The first call of every page: the session allowed to see it, or the page stops here.

    On a fresh server Streamlit serves the files in ``pages/`` directly until the entry script has run once, so a
    deep link could reach a page without passing the login in ``streamlit_app.py``. Each page therefore checks for
    itself: without a login (when one is configured) or with a role that does not list the page, nothing is drawn.
    """
    from pathlib import Path

    from app_support.navigation import PAGES

    free_left_behind(page_file)
    session = st.session_state.get(_SESSION_KEY)
    local_mode = not credentials_file().exists()
    if session is not None and session.local != local_mode:
        session = None  # the credentials file appeared or vanished since: decide again
    if session is None or session.local:
        if local_mode:
            if local_client_allowed():
                return LOCAL
            _refuse_remote_local_mode()
            st.stop()
        st.warning(_("Please log in first."))
        st.markdown(_("[Go to the login page](/)"))
        st.stop()
    if session.role is not None:
        name = Path(page_file).name
        if not any(Path(entry.path).name == name and session.role in entry.roles for entry in PAGES):
            st.error(_("Your role cannot open this page."))
            st.stop()
    return session
