"""attempt_login: atomic check-and-count, unknown users limited like real ones, per-client limit, fail closed.

Runs on SQLite and on PostgreSQL (see conftest.py).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from osteo_core.store import StoreError, list_audit, logins, open_store


def _guess(engine, username: str, client: str | None, right: bool = False) -> bool | str:
    try:
        return logins.attempt_login(engine, username, client, lambda: right)
    except logins.LoginLockedError as exc:
        return exc.scope


def test_parallel_wrong_guesses_check_at_most_the_limit(engine):
    checked: list[int] = []
    start = threading.Barrier(12)
    results: list[bool | str] = []

    def guess() -> None:
        start.wait()
        try:
            results.append(logins.attempt_login(engine, "ana", "10.0.0.5", lambda: checked.append(1) or False))
        except logins.LoginLockedError as exc:
            results.append(exc.scope)

    threads = [threading.Thread(target=guess) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(checked) == logins.MAX_FAILED_LOGINS  # only 5 of the 12 parallel guesses reached the password check
    assert sorted(map(str, results)) == sorted(["False"] * 5 + ["user"] * 7)
    assert logins.recent_failures(engine, "ana") == logins.MAX_FAILED_LOGINS
    assert _guess(engine, "ana", "10.0.0.6", right=True) == "user"  # even the right password is refused now


def test_an_unknown_user_is_counted_audited_and_locked_like_a_real_one(engine):
    for _ in range(logins.MAX_FAILED_LOGINS):
        assert _guess(engine, "no-such-user", "10.0.0.7") is False
    assert _guess(engine, "no-such-user", "10.0.0.7") == "user"
    assert [e.action for e in list_audit(engine)].count("login_failed") == logins.MAX_FAILED_LOGINS


def test_the_right_password_clears_the_user_count(engine):
    for _ in range(logins.MAX_FAILED_LOGINS - 1):
        _guess(engine, "ana", "10.0.0.8")
    assert _guess(engine, "ana", "10.0.0.8", right=True) is True
    assert logins.recent_failures(engine, "ana") == 0


def test_one_client_guessing_many_users_is_stopped_and_others_are_not(engine):
    for n in range(logins.MAX_FAILED_PER_CLIENT):
        assert _guess(engine, f"user{n}", "203.0.113.9") is False  # 1 guess per user: no user lock
    assert _guess(engine, "root", "203.0.113.9", right=True) == "client"  # the client is locked…
    assert _guess(engine, "root", "198.51.100.4", right=True) is True  # …the admin, from elsewhere, is not


def test_failures_older_than_the_window_do_not_count(engine):
    old = datetime.now(UTC) - timedelta(minutes=logins.LOCKOUT_MINUTES + 1)
    for _ in range(logins.MAX_FAILED_LOGINS):
        logins.attempt_login(engine, "ana", "10.0.0.9", lambda: False, now=old)
    assert _guess(engine, "ana", "10.0.0.9", right=True) is True


def test_a_very_long_typed_name_is_cut_not_an_error(engine):
    assert _guess(engine, "x" * 500, "10.0.0.10") is False  # PostgreSQL would refuse 500 chars in VARCHAR(64)


def test_a_read_only_database_refuses_login_without_checking_the_password(tmp_path):
    path = tmp_path / "history.db"
    open_store(f"sqlite:///{path}")  # create and migrate it
    read_only = open_store(f"sqlite:///file:{path}?mode=ro&uri=true")
    checked: list[int] = []
    with pytest.raises(StoreError, match="read-only"):
        logins.attempt_login(read_only, "ana", "10.0.0.11", lambda: checked.append(1) or True)
    assert checked == []  # fail closed: the right password did not log in


def test_a_session_epoch_revokes_older_logins(engine):
    login = datetime(2025, 5, 1, 12, tzinfo=UTC)
    assert not logins.cookie_revoked(engine, "ana", login, valid_after=login - timedelta(hours=1))
    assert logins.cookie_revoked(engine, "ana", login, valid_after=login + timedelta(minutes=1))  # new password
    logins.record_logout(engine, "ana", now=login + timedelta(minutes=2))  # logout on another device
    assert logins.cookie_revoked(engine, "ana", login + timedelta(minutes=1))
