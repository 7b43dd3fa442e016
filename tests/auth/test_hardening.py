"""Issue 14 items 1–4: local mode serves this computer only, login limits fail closed, the cookie key is checked,
and a logout elsewhere or a new password ends open sessions."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import app_support.auth as auth
from osteo_core.auth_users import UserError, add_user, validate_cookie_key
from osteo_core.store import list_audit, logins, open_store
from tests.helpers.records import PASSWORDS

ROOT = Path(__file__).resolve().parents[2]
REMOTE = "203.0.113.9"


def _app() -> AppTest:
    return AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60).run()


def _log_in(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    return next(b for b in at.button if b.label == "Log in").click().run()


# 1. local mode ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("address", "loopback"), [
    ("127.0.0.1", True), ("127.8.9.1", True), ("::1", True), ("::ffff:127.0.0.1", True),
    ("10.0.0.4", False), (REMOTE, False), ("::ffff:10.0.0.4", False), ("", False), (None, False), ("junk", False),
])
def test_is_loopback(address, loopback):
    assert auth.is_loopback(address) is loopback


def test_local_mode_refuses_a_client_that_is_not_on_this_computer(monkeypatch):
    monkeypatch.setattr(auth, "client_address", lambda: REMOTE)
    at = _app()
    assert not at.exception
    assert any("only serves the computer it runs on" in e.value for e in at.error)
    assert any("add-user NAME --role admin" in e.value for e in at.error)
    for page in ("pages/home.py", "pages/patient_timeline.py", "pages/users.py"):  # no page is registered
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)


def test_a_page_served_directly_also_refuses_a_remote_client_in_local_mode(monkeypatch):
    monkeypatch.setattr(auth, "client_address", lambda: REMOTE)
    at = AppTest.from_file(str(ROOT / "pages" / "users.py"), default_timeout=60).run()
    assert any("only serves the computer it runs on" in e.value for e in at.error)
    assert not at.dataframe  # neither the users nor the audit log


def test_local_mode_serves_a_loopback_client(monkeypatch):
    monkeypatch.setattr(auth, "client_address", lambda: "127.0.0.1")
    at = _app()
    assert "Local mode: login not configured" in " ".join(w.value for w in at.warning)
    at.switch_page("pages/patient_timeline.py")


def test_an_unknown_client_address_is_refused_outside_apptest():
    assert auth.client_address() is None  # no Streamlit server here
    assert auth.local_client_allowed() is False  # fail closed: only AppTest's global.appTest opens it


def test_run_app_binds_loopback_in_local_mode_only(tmp_path):
    def command(credentials: Path, *extra: str) -> subprocess.CompletedProcess:
        env = os.environ | {"OSTEO_DRY_RUN": "1", "OSTEO_SKIP_SETUP": "1", "OSTEO_CREDENTIALS_FILE": str(credentials),
                            "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
        return subprocess.run(["bash", "scripts/run_app.sh", *extra], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=60)

    local = command(tmp_path / "missing.yaml", "--server.port", "8999")
    assert local.returncode == 0, local.stderr
    assert "--server.address 127.0.0.1" in local.stdout
    assert command(tmp_path / "missing.yaml", "--server.address", "0.0.0.0").returncode == 2
    (tmp_path / "credentials.yaml").write_text("credentials: {usernames: {}}\n")
    assert "--server.address" not in command(tmp_path / "credentials.yaml").stdout


# 2. login limits -------------------------------------------------------------------------------------------------

def test_an_unknown_user_gets_the_same_answer_and_is_counted(credentials):
    unknown = _log_in(_app(), "mallory", "whatever-pass")
    wrong = _log_in(_app(), "ana", "whatever-pass")
    assert [e.value for e in unknown.error] == [e.value for e in wrong.error] == ["Username or password is incorrect."]
    assert logins.recent_failures(open_store(), "mallory") == 1
    for _ in range(logins.MAX_FAILED_LOGINS - 1):
        _log_in(_app(), "mallory", "whatever-pass")
    locked_unknown = _log_in(_app(), "mallory", "whatever-pass")
    for _ in range(logins.MAX_FAILED_LOGINS - 1):
        _log_in(_app(), "ana", "whatever-pass")
    locked_real = _log_in(_app(), "ana", PASSWORDS["ana"])
    assert [e.value for e in locked_unknown.error] == [e.value for e in locked_real.error]
    assert "Too many failed logins for this user" in locked_real.error[0].value


def test_a_read_only_database_keeps_everybody_out(credentials, monkeypatch, tmp_path):
    path = tmp_path / "history.db"
    open_store(f"sqlite:///{path}")
    monkeypatch.setenv("OSTEO_DATABASE_URL", f"sqlite:///file:{path}?mode=ro&uri=true")
    at = _log_in(_app(), "root", PASSWORDS["root"])
    assert not at.exception
    assert any("read-only" in e.value and "password was not checked" in e.value for e in at.error)
    assert not at.sidebar.button  # not logged in


def test_add_user_replace_unlocks_a_locked_admin(credentials):
    engine = open_store()
    for _ in range(logins.MAX_FAILED_LOGINS):
        logins.record_failure(engine, "root", client="203.0.113.9")
    done = subprocess.run([sys.executable, "-m", "osteo_core", "add-user", "root", "--role", "admin", "--replace"],
                          input="new-admin-pass-2\n", capture_output=True, text=True, cwd=ROOT,
                          env=os.environ.copy(), timeout=120)
    assert done.returncode == 0, done.stderr
    assert logins.recent_failures(engine, "root") == 0
    at = _log_in(_app(), "root", "new-admin-pass-2")
    assert "Logged in as **Root Test** (admin)" in [m.value for m in at.sidebar.markdown]


# 3. cookie key ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["x", "REPLACE-WITH-A-LONG-RANDOM-STRING", "change-me-" + "0123456789" * 3,
                                 "a" * 40, "short-but-random-Zq81"])
def test_validate_cookie_key_refuses_placeholders_and_short_keys(key):
    with pytest.raises(UserError, match="cookie key from OSTEO_COOKIE_KEY") as raised:
        validate_cookie_key(key, "OSTEO_COOKIE_KEY")
    assert key not in str(raised.value) or len(key) < 2  # the key itself is not echoed


def test_validate_cookie_key_accepts_a_generated_key():
    import secrets

    key = secrets.token_urlsafe(32)
    assert validate_cookie_key(key, "test") == key


def test_a_one_character_cookie_key_turns_login_off(credentials, monkeypatch):
    monkeypatch.setenv("OSTEO_COOKIE_KEY", "x")
    at = _app()
    assert any("at least 32 bytes" in e.value for e in at.error)
    assert not at.text_input  # no login form: a forged cookie or a password cannot log in


def test_the_secrets_example_key_turns_login_off(credentials):
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    at.secrets["auth"] = {"cookie_key": "REPLACE-WITH-A-LONG-RANDOM-STRING"}
    at.run()
    assert any("placeholder" in e.value for e in at.error)
    assert not at.text_input


# 4. sessions -----------------------------------------------------------------------------------------------------

def _login_only_script() -> None:
    import streamlit as st

    from app_support.auth import require_login

    session = require_login()
    st.write(f"session={session.username if session else None}")


def _session_of(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("session="))


def test_a_logout_elsewhere_ends_this_session_on_its_next_run(credentials):
    at = AppTest.from_function(_login_only_script, default_timeout=60).run()
    _log_in(at, "ana", PASSWORDS["ana"]).run()
    assert _session_of(at) == "session=ana"
    logins.record_logout(open_store(), "ana")  # the same user logs out on another device
    at.run()
    assert _session_of(at) == "session=None"
    assert any("logged out" in w.value for w in at.warning)


def test_a_new_password_ends_open_sessions(credentials):
    at = AppTest.from_function(_login_only_script, default_timeout=60).run()
    _log_in(at, "ana", PASSWORDS["ana"]).run()
    assert _session_of(at) == "session=ana"
    add_user(credentials, "ana", "clinician", "a-new-password-9", name="Ana Test", replace=True)
    at.run()
    assert _session_of(at) == "session=None"
    assert [e.action for e in list_audit(open_store())] == ["login"]
