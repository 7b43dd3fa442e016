"""Each role sees its own pages (the table in app_support/navigation.py)."""

from __future__ import annotations

import pytest

from app_support.navigation import ALL_ROLES, PAGES, pages_for


def _paths(role: str | None) -> set[str]:
    return {entry.path for entries in pages_for(role).values() for entry in entries}


@pytest.mark.parametrize(("role", "must_see", "must_not_see"), [
    ("admin", {"pages/patient_timeline.py", "pages/users.py", "pages/demo_cases.py", "pages/clinical_risk.py"},
     set()),
    ("clinician", {"pages/clinical_risk.py", "pages/patient_timeline.py", "pages/home.py"},
     {"pages/users.py", "pages/demo_cases.py"}),
    ("analyst", {"pages/home.py"},
     {"pages/clinical_risk.py", "pages/patient_timeline.py", "pages/users.py", "pages/demo_cases.py"}),
    ("demo", {"pages/demo_cases.py", "pages/home.py"}, {"pages/patient_timeline.py", "pages/users.py"}),
])
def test_pages_for_role_shows_its_pages_only(role, must_see, must_not_see):
    paths = _paths(role)
    assert must_see <= paths
    assert not paths & must_not_see


def test_no_login_shows_every_page_and_admin_sees_everything():
    every = {entry.path for entry in PAGES}
    assert _paths(None) == every
    assert _paths("admin") == every


def test_every_page_names_known_roles_and_every_role_has_a_default_page():
    assert all(set(entry.roles) <= set(ALL_ROLES) for entry in PAGES)
    for role in ALL_ROLES:
        assert any(entry.default for entries in pages_for(role).values() for entry in entries), role
