"""Login users: the credentials YAML that streamlit-authenticator reads, bcrypt hashes, roles, the cookie key.

File format (``OSTEO_CREDENTIALS_FILE``, kept outside git, mode 0600)::

    credentials:
      usernames:
        ana:
          name: Ana Ruiz
          email: ana@example.org
          password: $2b$12$...        # bcrypt hash, never plain text
          roles: [clinician]
          sessions_valid_after: 1767225600.0   # set by add-user: sessions opened before it end (seconds, UTC)

The cookie key is deliberately not in this file: it comes from Streamlit secrets or the environment, and
:func:`validate_cookie_key` refuses placeholders and short keys.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bcrypt
import yaml

from osteo_core.errors import UserError
from osteo_core.i18n import _
from osteo_core.vocabulary import ROLES

MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_BYTES = 72  # bcrypt ignores (bcrypt ≥ 5 refuses) anything longer
MIN_COOKIE_KEY_BYTES = 32
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,31}$")
# An unknown user name is checked against this hash (same cost as real ones) so it takes as long as a real one.
_DUMMY_HASH = b"$2b$12$irpAIkE.eo.t0nzJ6Ip8Ie75JNLQWXtqBiOfVCnhxrcs7ytvvEjCm"
_PLACEHOLDER_WORDS = ("replace-with", "replace_with", "replace.with", "change-me", "changeme", "change_me",
                      "your-secret", "your_secret", "example", "placeholder")


def validate_username(username: str) -> str:
    """The username if it is 2–32 lower-case letters, digits, ``_ . -``; raises :class:`UserError` otherwise."""
    if not isinstance(username, str) or not _USERNAME.match(username):
        raise UserError(_("Username must be 2–32 lower-case letters, digits, '_', '.' or '-'. Got {value}.").format(
            value=repr(username)))
    return username


def validate_role(role: str) -> str:
    """The role if it is one of :data:`ROLES`; raises :class:`UserError` otherwise."""
    if role not in ROLES:
        raise UserError(_("Role must be one of {choices}. Got {value}.").format(choices=", ".join(ROLES),
                                                                               value=repr(role)))
    return role


def validate_password(password: str) -> str:
    """The password if it has 8+ characters, at most 72 bytes and no spaces at either end (the login form strips
    them); raises :class:`UserError` otherwise (the message never contains the password)."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise UserError(_("Password must have at least {minimum} characters. Got {value}.").format(
            minimum=MIN_PASSWORD_CHARS, value=len(password)))
    if len(password.encode()) > MAX_PASSWORD_BYTES:
        raise UserError(_("Password must be at most {maximum} bytes. Got {value}.").format(
            maximum=MAX_PASSWORD_BYTES, value=len(password.encode())))
    if password != password.strip():
        raise UserError(_("Password must not start or end with a space."))
    return password


def hash_password(password: str) -> str:
    """bcrypt hash (cost 12) of a validated password, as text."""
    return bcrypt.hashpw(validate_password(password).encode(), bcrypt.gensalt(12)).decode()


def load_credentials(path: Path) -> dict[str, Any]:
    """The file as ``{"credentials": {"usernames": {...}}}`` (empty when missing).

    Raises :class:`UserError` when the file is not YAML of that shape or holds a plain-text password.
    """
    if not path.exists():
        return {"credentials": {"usernames": {}}}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise UserError(_("{path} is not valid YAML: {error}").format(path=path, error=exc)) from None
    users = (data.get("credentials") or {}).get("usernames") if isinstance(data, dict) else None
    if users is None:
        users = {}
    if not isinstance(users, dict):
        raise UserError(_("{path}: 'credentials.usernames' must be a mapping of users. Got {value}.").format(
            path=path, value=type(users).__name__))
    for name, user in users.items():
        password = str((user or {}).get("password", ""))
        if not password.startswith(("$2a$", "$2b$", "$2y$")):
            raise UserError(_("{path}: user {name} has no bcrypt hash; set the password with add-user.").format(
                path=path, name=repr(name)))
    data.setdefault("credentials", {})["usernames"] = users
    return data


def save_credentials(path: Path, data: dict[str, Any]) -> None:
    """Write the file atomically with mode 0600 (owner read/write only)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".credentials-", suffix=".yaml")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            yaml.safe_dump(data, out, default_flow_style=False, allow_unicode=True, sort_keys=True)
        os.chmod(temp, 0o600)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def add_user(path: Path, username: str, role: str, password: str, name: str | None = None,
             email: str | None = None, replace: bool = False) -> None:
    """Add (or with ``replace`` update) a user with a bcrypt-hashed password; creates the file if needed.

    Raises :class:`UserError` for a bad username, role or password, or an existing user without ``replace``.
    """
    validate_username(username)
    validate_role(role)
    data = load_credentials(path)
    users = data["credentials"]["usernames"]
    if username in users and not replace:
        raise UserError(_("User {name} already exists in {path}; use --replace to change them.").format(
            name=repr(username), path=path))
    admins = [n for n, u in users.items() if role_of(u) == "admin"]
    if admins == [username] and role != "admin":
        raise UserError(_("{name} is the last admin; add another admin first, then change this user's role.").format(
            name=repr(username)))
    # sessions_valid_after: every session of this user opened before now ends (new password or role)
    old = users.get(username) or {}  # --replace keeps the name and e-mail unless new ones are given
    users[username] = {"name": name or old.get("name") or username, "email": email or old.get("email") or "",
                       "password": hash_password(password),
                       "roles": [role], "sessions_valid_after": time.time()}
    save_credentials(path, data)


def remove_user(path: Path, username: str) -> None:
    """Remove a user; refuses to remove the last admin. Raises :class:`UserError` when the user is unknown."""
    data = load_credentials(path)
    users = data["credentials"]["usernames"]
    if username not in users:
        raise UserError(_("No user {name} in {path}.").format(name=repr(username), path=path))
    admins = [n for n, u in users.items() if role_of(u) == "admin"]
    if admins == [username]:
        raise UserError(_("{name} is the last admin; add another admin first.").format(name=repr(username)))
    del users[username]
    save_credentials(path, data)


def role_of(user: dict[str, Any]) -> str | None:
    """The user's role (the first known role listed), or ``None``."""
    return next((r for r in (user.get("roles") or []) if r in ROLES), None)


def list_users(path: Path) -> list[tuple[str, str | None, str]]:
    """``(username, role, name)`` for every user, sorted by username."""
    users = load_credentials(path)["credentials"]["usernames"]
    return [(name, role_of(user), str(user.get("name", ""))) for name, user in sorted(users.items())]


def sessions_valid_after(user: dict[str, Any]) -> datetime | None:
    """When the user's password or role last changed (UTC): sessions opened before it are over. ``None`` if unset."""
    value = user.get("sessions_valid_after")
    try:
        return None if value is None else datetime.fromtimestamp(float(value), UTC)
    except (TypeError, ValueError, OverflowError):
        return datetime.now(UTC)  # unreadable: end every session (fail closed)


def password_matches(users: dict[str, Any], username: str, password: str) -> bool:
    """True when ``password`` matches the stored hash of ``username``; an unknown user costs one bcrypt check
    too (against a dummy hash), so both take the same time and answer the same way."""
    user = users.get(username) if isinstance(username, str) else None
    stored = str(user["password"]).encode() if user else _DUMMY_HASH
    matched = bcrypt.checkpw(password.encode()[:MAX_PASSWORD_BYTES], stored)
    return bool(user) and matched


def check_password(path: Path, username: str, password: str) -> bool:
    """True when ``password`` matches the stored hash of ``username`` (False for unknown users, same time)."""
    return password_matches(load_credentials(path)["credentials"]["usernames"], username, password)


def validate_cookie_key(key: str, source: str) -> str:
    """The login-cookie signing key if it is at least 32 bytes and not a placeholder; raises :class:`UserError`
    otherwise. ``source`` names where it came from (for the message; the key itself is never shown)."""
    size = len(key.encode())
    command = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
    lowered = key.lower()
    if size < MIN_COOKIE_KEY_BYTES:
        raise UserError(_("The login cookie key from {source} must be at least {minimum} bytes. Got {value}; "
                          "generate one with: {command}. Login stays off until it is replaced.").format(
                              source=source, minimum=MIN_COOKIE_KEY_BYTES, value=size, command=command))
    if any(word in lowered for word in _PLACEHOLDER_WORDS) or len(set(key)) < 4:
        raise UserError(_("The login cookie key from {source} is a placeholder, not a secret; generate one with: "
                          "{command}. Login stays off until it is replaced.").format(source=source, command=command))
    return key


def load_or_create_cookie_key(path: Path) -> str:
    """The login-cookie signing key stored in ``path``; a random 256-bit key is written (mode 0600) if missing."""
    if path.exists():
        key = path.read_text(encoding="utf-8").strip()
        if len(key) >= 32:
            return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(key + "\n")
    os.chmod(path, 0o600)
    return key
