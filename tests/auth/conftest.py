"""A credentials file with one user per role (passwords known to the tests only)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from osteo_core.auth_users import add_user
from tests.helpers.records import PASSWORDS, ROLES


@pytest.fixture(scope="session")
def _credentials_template(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("auth") / "credentials.yaml"
    for username, role in ROLES.items():
        add_user(path, username, role, PASSWORDS[username], name=f"{username.title()} Test")
    return path.read_bytes()


@pytest.fixture
def credentials(_credentials_template, isolated_login_and_history) -> Path:
    """Writes the four-user file where ``OSTEO_CREDENTIALS_FILE`` points, so the app requires a login."""
    path = Path(os.environ["OSTEO_CREDENTIALS_FILE"])
    path.write_bytes(_credentials_template)
    return path
