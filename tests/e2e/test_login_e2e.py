"""Login in a real browser, on a second server whose credentials file was written by the add-user command line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.e2e.conftest import ROOT, SCREENSHOTS, assert_no_exception, screenshot, settle, start_server, warm_up
from tests.tiny_models import write_tiny_models

pytestmark = pytest.mark.e2e

PASSWORDS = {"ada": "admin-pass-123", "cleo": "clinician-pass-123", "anna": "analyst-pass-123"}
ROLES = {"ada": "admin", "cleo": "clinician", "anna": "analyst"}
FIRST_VISIT: dict[str, int] = {}


@pytest.fixture(scope="module")
def login_server(tmp_path_factory, browser):
    """A server with three users (admin, clinician, analyst) made by `python -m osteo_core add-user`.

    Before anything else opens it, a deep link to /users is tried and what it showed is kept in ``FIRST_VISIT``.
    """
    work = tmp_path_factory.mktemp("e2e_login")
    models = write_tiny_models(work / "models")
    shutil.copytree(ROOT / "models" / "clinical_risk", models / "clinical_risk")
    env = {
        "OSTEO_MODELS_DIR": str(models),
        "OSTEO_CREDENTIALS_FILE": str(work / "credentials.yaml"),
        "OSTEO_DATABASE_URL": f"sqlite:///{work / 'osteo.db'}",
        "OSTEO_COOKIE_KEY": "e2e-login-cookie-key-not-secret-0123456789",
    }
    for username, role in ROLES.items():
        done = subprocess.run([sys.executable, "-m", "osteo_core", "add-user", username, "--role", role],
                              input=PASSWORDS[username] + "\n", text=True, capture_output=True, cwd=ROOT,
                              env=os.environ | env, timeout=120)
        assert done.returncode == 0, done.stderr
        assert PASSWORDS[username] not in done.stdout + done.stderr
    process, url = start_server(env)
    try:
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{url}/users")
        page.locator('[data-testid="stMain"]').wait_for(timeout=90_000)
        settle(page)
        try:
            page.get_by_text("Please log in first.").or_(page.get_by_role("button", name="Log in")).first.wait_for(
                timeout=30_000)
        except Exception:  # noqa: BLE001 - counted below: the test then fails with what was on screen
            page.screenshot(path=str(SCREENSHOTS / "FAILED-deep-link.png"), full_page=True)
        FIRST_VISIT.update(login_prompt=page.get_by_role("button", name="Log in").count()
                           + page.get_by_text("Please log in first.").count(),
                           users_page=page.get_by_text("Add user").count())
        context.close()
        warm_up(browser, url)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def _screen_text(page) -> str:
    """What the page shows (alerts first), for a failure message that says what went wrong."""
    alerts = page.locator('[data-testid="stAlert"]').all_inner_texts()
    main = page.locator('[data-testid="stMain"]').all_inner_texts()
    return f"alerts: {alerts}; page: {' | '.join(main)[:600]!r}"


def _log_in(page, url: str, username: str, password: str, expect: str = "Logged in as") -> None:
    """Submit the login form until ``expect`` shows (at most 3 submissions, 30 s each).

    A submission is repeated only while the form is still there with no message at all (a click swallowed by a
    rerun). Any other message fails at once, and every failure says what the page showed. Why: CI once (588ec11)
    saw no "Logged in as" for 60 s after the admin's click and kept no trace; 5 runs of this module under full CPU
    load and 16 timed logins did not reproduce it here.
    """
    page.goto(url)
    page.get_by_role("button", name="Log in").wait_for()
    page.wait_for_timeout(1000)  # the cookie component reruns the script once after loading
    settle(page)
    outcome = page.get_by_text(expect).first
    for attempt in range(1, 4):
        page.get_by_label("Username", exact=True).fill(username)
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_role("button", name="Log in").click()
        settle(page)
        try:
            outcome.wait_for(timeout=30_000)
            return
        except Exception:  # noqa: BLE001 - decided below from what the page shows
            if page.get_by_label("Username", exact=True).count() == 0:  # the form is gone: the login is landing
                outcome.wait_for()
                return
            if page.locator('[data-testid="stAlert"]').count() or attempt == 3:
                screenshot(page, f"FAILED-login-{username}-attempt{attempt}")
                raise AssertionError(f"login of {username!r} did not show {expect!r} "
                                     f"(submission {attempt}); {_screen_text(page)}") from None


def _nav_links(page) -> list[str]:
    return [text.strip() for text in page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()]


def test_deep_link_on_a_fresh_server_asks_for_login(login_server):
    """Streamlit serves pages/ directly until the entry script has run once; each page's guard must hold."""
    assert FIRST_VISIT["users_page"] == 0
    assert FIRST_VISIT["login_prompt"] >= 1


def test_wrong_password_is_refused_with_a_message(page, login_server):
    _log_in(page, login_server, "cleo", "not-the-password", expect="Username or password is incorrect.")
    page.get_by_role("button", name="Log in").wait_for()
    assert page.get_by_text("Logged in as").count() == 0
    assert_no_exception(page)
    screenshot(page, "login_refused")


def test_login_form(page, login_server):
    page.goto(login_server)
    settle(page)
    page.get_by_role("button", name="Log in").wait_for()
    page.get_by_text("No account yet? Ask an admin").first.wait_for()
    assert_no_exception(page)
    screenshot(page, "login")


def test_analyst_sees_only_its_pages_and_logs_out(page, login_server):
    _log_in(page, login_server, "anna", PASSWORDS["anna"])
    page.locator('[data-testid="stSidebarNav"]').wait_for()
    links = _nav_links(page)
    assert any("Cohort screening" in link for link in links), links
    assert not any("Clinical risk" in link for link in links), links
    assert not any("Users and audit log" in link for link in links), links
    link = page.locator('[data-testid="stSidebarNav"] a').filter(has_text="Cohort screening")
    upload_hint = page.get_by_text("Upload a CSV, Excel (.xlsx) or Parquet").first
    for attempt in range(3):  # the login cookie component can rerun the app and swallow the first click
        link.click()
        settle(page)
        try:
            upload_hint.wait_for(timeout=20_000)
            break
        except Exception:  # noqa: BLE001 - retried; the last attempt re-raises
            if attempt == 2:
                raise
    assert_no_exception(page)
    screenshot(page, "analyst_cohort")
    page.get_by_role("button", name="Log out").click()
    settle(page)
    page.get_by_role("button", name="Log in").wait_for()
    page.get_by_label("Username", exact=True).wait_for()
    assert page.get_by_text("Logged in as").count() == 0
    assert_no_exception(page)


def test_admin_sees_every_page(page, login_server):
    _log_in(page, login_server, "ada", PASSWORDS["ada"])
    page.locator('[data-testid="stSidebarNav"]').wait_for()
    links = _nav_links(page)
    for title in ("Clinical risk", "Cohort screening", "Users and audit log"):
        assert any(title in link for link in links), (title, links)
    assert_no_exception(page)
