"""Numbers and dates written the way the current language writes them (Babel's CLDR data).

Hindi uses Indian digit grouping (``1,23,456``), Spanish a decimal comma (``0,75``); digits stay Latin so
figures read the same on every page, export and PDF.
"""

from __future__ import annotations

from datetime import date, datetime

from babel import Locale, dates, numbers

from osteo_core.i18n.translate import current_language

_BABEL_LOCALE = {"en": "en_GB", "es": "es_ES", "hi": "hi_IN"}


def _locale() -> str:
    return _BABEL_LOCALE.get(current_language(), "en_GB")


def _with_digits(pattern: str, digits: int) -> str:
    """The locale's own pattern (grouping, % placement) with exactly ``digits`` decimals."""
    integer = pattern.split(".")[0].rstrip("%").rstrip("\u00a0 ")
    suffix = pattern[len(pattern.rstrip("%\u00a0 ")):] if "%" in pattern else ""
    return integer + ("." + "0" * digits if digits > 0 else "") + suffix


def format_decimal(value: float, digits: int = 1) -> str:
    """``value`` with exactly ``digits`` decimals and the language's separators (``1234.5`` → ``1.234,5`` in es)."""
    locale = _locale()
    pattern = _with_digits(Locale.parse(locale).decimal_formats[None].pattern, digits)
    return numbers.format_decimal(value, format=pattern, locale=locale)


def format_percent(fraction: float, digits: int = 0) -> str:
    """A fraction 0–1 as a percentage (``0.125`` → ``13%`` en, ``13 %`` es, ``13%`` hi)."""
    locale = _locale()
    pattern = _with_digits(Locale.parse(locale).percent_formats[None].pattern, digits)
    return numbers.format_percent(fraction, format=pattern, locale=locale)


def format_date(value: date | datetime) -> str:
    """A calendar date in the language's medium form (``2 Dec 2026``, ``2 dic 2026``, ``2 दिस॰ 2026``)."""
    return dates.format_date(value, format="medium", locale=_locale())


def format_datetime(value: datetime) -> str:
    """A date and time (minutes) in the language's short form, in the datetime's own timezone."""
    return dates.format_datetime(value, format="medium", locale=_locale(), tzinfo=value.tzinfo)
