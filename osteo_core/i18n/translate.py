"""The current language (a context variable) and the gettext functions that read it."""

from __future__ import annotations

import gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache

from osteo_core.i18n.languages import DEFAULT_LANGUAGE, DOMAIN, LANGUAGES, LOCALE_DIR

_language: ContextVar[str] = ContextVar("osteo_language", default=DEFAULT_LANGUAGE)


@cache
def _translations(language: str) -> gettext.NullTranslations:
    if language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[language], fallback=True)


def set_language(language: str) -> str:
    """Make ``language`` current for this thread/context (unknown codes fall back to English); returns it."""
    code = language if language in LANGUAGES else DEFAULT_LANGUAGE
    _language.set(code)
    return code


def current_language() -> str:
    """The code of the current language (``"en"``, ``"es"`` or ``"hi"``)."""
    return _language.get()


@contextmanager
def use_language(language: str) -> Iterator[str]:
    """Speak ``language`` inside the block (e.g. a PDF in the reader's language), then restore the previous one."""
    token = _language.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)
    try:
        yield _language.get()
    finally:
        _language.reset(token)


def _(message: str) -> str:
    """``message`` translated into the current language (the English text when there is no translation)."""
    if not message:
        return message
    return _translations(_language.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for count ``n``, following the current language's plural rule."""
    return _translations(_language.get()).ngettext(singular, plural, n)


def N_(message: str) -> str:  # noqa: N802 (the gettext convention extractors look for)
    """Mark ``message`` for extraction without translating it now (module-level constants; translate on use)."""
    return message
