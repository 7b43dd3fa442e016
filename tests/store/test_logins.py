"""Failed-login limit and cookie revocation records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from osteo_core.store import list_audit, logins


def test_is_locked_after_the_limit_within_the_window_only(engine):
    now = datetime(2025, 5, 1, 12, tzinfo=UTC)
    for minute in range(logins.MAX_FAILED_LOGINS - 1):
        logins.record_failure(engine, "ana", now=now - timedelta(minutes=minute))
    assert not logins.is_locked(engine, "ana", now=now)
    logins.record_failure(engine, "ana", now=now)
    assert logins.is_locked(engine, "ana", now=now)
    assert not logins.is_locked(engine, "bob", now=now)
    assert not logins.is_locked(engine, "ana", now=now + timedelta(minutes=logins.LOCKOUT_MINUTES + 5))
    assert logins.failure_counts(engine, now=now) == {"ana": logins.MAX_FAILED_LOGINS}
    logins.clear_failures(engine, "ana")
    assert not logins.is_locked(engine, "ana", now=now)
    assert [e.action for e in list_audit(engine)].count("login_failed") == logins.MAX_FAILED_LOGINS


def test_cookie_issued_before_the_last_logout_is_revoked(engine):
    logout = datetime(2025, 5, 1, 12, tzinfo=UTC)
    assert not logins.cookie_revoked(engine, "ana", logout)
    logins.record_logout(engine, "ana", now=logout - timedelta(days=1))
    logins.record_logout(engine, "ana", now=logout)  # the second logout replaces the first
    assert logins.last_logout(engine, "ana") == logout
    assert logins.cookie_revoked(engine, "ana", logout - timedelta(minutes=5))
    assert not logins.cookie_revoked(engine, "ana", logout + timedelta(minutes=5))
    assert not logins.cookie_revoked(engine, "bob", logout - timedelta(minutes=5))
