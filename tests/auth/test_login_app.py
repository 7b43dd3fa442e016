"""The app with a credentials file: the login form, wrong/right passwords, roles, the failed-login limit."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from osteo_core.store import list_audit, logins, open_store
from tests.helpers.records import PASSWORDS

ROOT = Path(__file__).resolve().parents[2]


def _app() -> AppTest:
    return AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60).run()


def _log_in(at: AppTest, username: str, password: str) -> AppTest:
    user_box, password_box = at.text_input[0], at.text_input[1]
    assert (user_box.label, password_box.label) == ("Username", "Password")
    user_box.input(username)
    password_box.input(password)
    return next(b for b in at.button if b.label == "Log in").click().run()


def test_with_credentials_only_the_login_form_is_shown(credentials):
    at = _app()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    assert not at.warning  # no local-mode banner
    for page in ("pages/home.py", "pages/patient_timeline.py", "pages/users.py"):  # no page exists while logged out
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)


def test_a_wrong_password_is_refused_and_counted(credentials):
    at = _log_in(_app(), "ana", "not-her-password")
    assert not at.exception
    assert "Username or password is incorrect." in [e.value for e in at.error]
    assert [t.label for t in at.text_input] == ["Username", "Password"]
    assert logins.recent_failures(open_store(), "ana") == 1
    assert list_audit(open_store())[0].action == "login_failed"


def test_the_right_password_logs_in_and_shows_the_role(credentials):
    at = _log_in(_app(), "ana", PASSWORDS["ana"])
    assert not at.exception
    assert not at.error
    assert "Logged in as **Ana Test** (clinician)" in [m.value for m in at.sidebar.markdown]
    assert [t.label for t in at.text_input if t.label in ("Username", "Password")] == []
    assert any(b.label == "Log out" for b in at.sidebar.button)
    assert [e.action for e in list_audit(open_store())] == ["login"]


@pytest.mark.parametrize(("username", "allowed", "refused"), [
    ("root", {"pages/users.py": "👥 Users and audit log", "pages/patient_timeline.py": "📈 Patient timeline",
              "pages/demo_cases.py": "🎬 Demo cases"}, []),
    ("ana", {"pages/patient_timeline.py": "📈 Patient timeline"}, ["pages/users.py", "pages/demo_cases.py"]),
    ("dee", {"pages/demo_cases.py": "🎬 Demo cases"}, ["pages/patient_timeline.py", "pages/users.py"]),
    ("cy", {"pages/home.py": "🦴 Osteoporosis screening"},
     ["pages/clinical_risk.py", "pages/patient_timeline.py", "pages/users.py", "pages/demo_cases.py"]),
])
def test_a_role_opens_its_pages_but_not_the_others(credentials, username, allowed, refused):
    at = _log_in(_app(), username, PASSWORDS[username])
    for page in refused:  # checked first: the navigation registered by the entry script's last run
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)
    for page, title in allowed.items():
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        assert at.title[0].value == title


def test_too_many_failed_logins_lock_the_user_even_with_the_right_password(credentials):
    engine = open_store()
    for _ in range(logins.MAX_FAILED_LOGINS):
        logins.record_failure(engine, "ana")
    at = _log_in(_app(), "ana", PASSWORDS["ana"])
    assert any("Too many failed logins" in e.value for e in at.error)
    assert not at.sidebar.button  # not logged in
    other = _log_in(_app(), "root", PASSWORDS["root"])  # other users are not affected
    assert "Logged in as **Root Test** (admin)" in [m.value for m in other.sidebar.markdown]


def test_the_logged_in_view_offers_logout_in_the_sidebar(credentials):
    # AppTest (Streamlit 1.67) re-runs only the page file after the first run, not the entry script, so the
    # logout click itself is checked in the browser (tests/e2e/test_login_browser.py) and the revocation it
    # records in tests/store/test_logins.py.
    at = _log_in(_app(), "root", PASSWORDS["root"])
    assert [b.label for b in at.sidebar.button] == ["Log out"]
