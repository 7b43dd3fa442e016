"""Without a credentials file the app runs in local mode: every page, a banner saying how to add an admin."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from app_support.navigation import PAGES

ROOT = Path(__file__).resolve().parents[2]


def test_local_mode_shows_the_banner_and_registers_every_page():
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60).run()
    assert not at.exception
    banner = " ".join(w.value for w in at.warning)
    assert "Local mode: login not configured" in banner
    assert "python -m osteo_core add-user NAME --role admin" in banner
    assert "🔓 Local mode — no login configured." in [c.value for c in at.sidebar.caption]
    assert not [t for t in at.text_input if t.label == "Password"]
    for entry in PAGES:
        at.switch_page(entry.path)  # raises ValueError when a page is not in the navigation


def test_users_page_in_local_mode_creates_the_first_admin():
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60).run()
    at.switch_page("pages/users.py").run()
    assert not at.exception
    assert at.selectbox[0].value == "admin"  # the first user proposed is an admin
    at.text_input[0].input("root")
    at.text_input[2].input("first-admin-pw")
    next(b for b in at.button if b.label == "Add user").click().run()
    assert not at.exception
    fresh = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60).run()
    assert [t.label for t in fresh.text_input] == ["Username", "Password"]  # a login is now required
