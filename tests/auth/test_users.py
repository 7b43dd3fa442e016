"""The credentials file: bcrypt hashes, validation, roles, the cookie key file."""

from __future__ import annotations

import stat

import pytest
import yaml

from osteo_core.auth_users import (
    UserError,
    add_user,
    check_password,
    list_users,
    load_credentials,
    load_or_create_cookie_key,
    remove_user,
)


def test_add_user_stores_a_bcrypt_hash_never_the_password(tmp_path):
    path = tmp_path / "var" / "credentials.yaml"
    add_user(path, "ana", "clinician", "correct horse 1", name="Ana R", email="ana@example.org")
    text = path.read_text()
    assert "correct horse 1" not in text
    user = yaml.safe_load(text)["credentials"]["usernames"]["ana"]
    assert user["password"].startswith("$2b$12$")
    assert user["roles"] == ["clinician"] and user["name"] == "Ana R"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_check_password_accepts_the_right_password_and_refuses_a_wrong_one(tmp_path):
    path = tmp_path / "credentials.yaml"
    add_user(path, "ana", "admin", "right-password")
    assert check_password(path, "ana", "right-password")
    assert not check_password(path, "ana", "wrong-password")
    assert not check_password(path, "nobody", "right-password")


@pytest.mark.parametrize(("username", "role", "password", "match"), [
    ("Ana", "admin", "long-enough", "Username must be .* Got 'Ana'"),
    ("a", "admin", "long-enough", "Username must be"),
    ("ana", "boss", "long-enough", "Role must be one of admin, clinician, analyst, demo. Got 'boss'"),
    ("ana", "admin", "short", "at least 8 characters. Got 5"),
    ("ana", "admin", " padded-password", "must not start or end with a space"),
    ("ana", "admin", "x" * 73, "at most 72 bytes. Got 73"),
])
def test_add_user_rejects_bad_input_and_says_what_it_got(tmp_path, username, role, password, match):
    with pytest.raises(UserError, match=match):
        add_user(tmp_path / "c.yaml", username, role, password)
    assert not (tmp_path / "c.yaml").exists()


def test_add_user_refuses_a_duplicate_unless_replace(tmp_path):
    path = tmp_path / "c.yaml"
    add_user(path, "ana", "clinician", "first-password")
    with pytest.raises(UserError, match="already exists"):
        add_user(path, "ana", "clinician", "second-password")
    add_user(path, "ana", "analyst", "second-password", replace=True)
    assert check_password(path, "ana", "second-password")
    assert list_users(path) == [("ana", "analyst", "ana")]


def test_add_user_replace_refuses_to_demote_the_last_admin(tmp_path):
    path = tmp_path / "c.yaml"
    add_user(path, "root", "admin", "admin-password")
    with pytest.raises(UserError, match="last admin"):
        add_user(path, "root", "demo", "new-password-1", replace=True)
    assert list_users(path) == [("root", "admin", "root")]  # nothing changed
    add_user(path, "root", "admin", "new-password-1", replace=True)  # a new password for the admin is fine
    add_user(path, "ana", "admin", "second-admin-pw")
    add_user(path, "root", "demo", "new-password-1", replace=True)  # with another admin, demoting works
    assert [r for _, r, _ in list_users(path)] == ["admin", "demo"]


def test_remove_user_keeps_the_last_admin(tmp_path):
    path = tmp_path / "c.yaml"
    add_user(path, "root", "admin", "admin-password")
    add_user(path, "ana", "clinician", "clinic-password")
    with pytest.raises(UserError, match="last admin"):
        remove_user(path, "root")
    remove_user(path, "ana")
    with pytest.raises(UserError, match="No user 'ana'"):
        remove_user(path, "ana")
    assert [u for u, _, _ in list_users(path)] == ["root"]


def test_load_credentials_refuses_a_plain_text_password(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("credentials:\n  usernames:\n    ana:\n      password: hunter22\n      roles: [admin]\n")
    with pytest.raises(UserError, match="'ana' has no bcrypt hash"):
        load_credentials(path)


def test_cookie_key_is_generated_once_with_owner_only_permissions(tmp_path):
    path = tmp_path / "var" / "cookie_key"
    key = load_or_create_cookie_key(path)
    assert len(key) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_cookie_key(path) == key
