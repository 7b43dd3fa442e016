"""Locale-aware numbers and dates, language choice from a locale, and the per-user language in the store."""

from __future__ import annotations

from datetime import date

import pytest

from osteo_core.i18n import (
    current_language,
    format_date,
    format_decimal,
    format_percent,
    language_from_locale,
    set_language,
    use_language,
)
from osteo_core.store import StoreError, open_store
from osteo_core.store.preferences import save_language, saved_language


@pytest.mark.parametrize(("locale", "language"), [
    ("es-MX", "es"), ("hi_IN.UTF-8", "hi"), ("en-US", "en"), ("fr-FR", "en"), (None, "en"), ("", "en"),
    ("C.UTF-8", "en"), ("HI", "hi"),
])
def test_language_from_locale(locale: str | None, language: str) -> None:
    assert language_from_locale(locale) == language


def test_numbers_follow_the_language() -> None:
    with use_language("en"):
        assert format_decimal(123456.75, 2) == "123,456.75"
        assert format_percent(0.25) == "25%"
    with use_language("es"):
        assert format_decimal(123456.75, 2) == "123.456,75"
        assert format_decimal(-1.5) == "-1,5"
        assert format_percent(0.25) == "25\xa0%"
    with use_language("hi"):
        assert format_decimal(123456.75, 2) == "1,23,456.75"  # Indian grouping


def test_dates_follow_the_language() -> None:
    day = date(2026, 12, 2)
    with use_language("es"):
        assert format_date(day) == "2 dic 2026"
    with use_language("en"):
        assert format_date(day) == "2 Dec 2026"


def test_set_language_refuses_unknown_codes() -> None:
    with use_language("en"):
        assert set_language("zz") == "en" and current_language() == "en"


def test_language_is_remembered_per_user(tmp_path) -> None:  # noqa: ANN001
    engine = open_store(f"sqlite:///{tmp_path / 'history.db'}")
    assert saved_language(engine, "ana") is None
    save_language(engine, "ana", "hi")
    save_language(engine, "ana", "es")
    save_language(engine, "ben", "hi")
    assert (saved_language(engine, "ana"), saved_language(engine, "ben")) == ("es", "hi")
    with pytest.raises(StoreError, match="language must be one of"):
        save_language(engine, "ana", "klingon")
