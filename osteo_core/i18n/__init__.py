"""Languages: gettext catalogues for every user-facing string, and locale-aware numbers and dates (Babel).

    from osteo_core.i18n import _, N_, ngettext, use_language, format_decimal

    _("Risk of osteoporosis")                       # translated into the current language
    _("{count} rows scored").format(count=1200)     # placeholders are named, never concatenated
    TITLE = N_("Clinical risk")                     # marked for extraction; translate where shown: _(TITLE)
    with use_language("hi"):
        format_decimal(123456.7)                    # '1,23,456.7'

The current language lives in a context variable: the app sets it at the top of every run (one per browser
session), the command line sets it from ``LANG`` (:func:`osteo_core.config.cli_language`). Code that runs in
another thread or process without setting it speaks English.

Catalogues: ``osteo_core/i18n/locale/<lang>/LC_MESSAGES/osteo.po`` (edited by people), ``osteo.mo`` (compiled,
committed; ``python -m osteo_core.i18n compile``) and the template ``osteo_core/i18n/locale/osteo.pot``
(``python -m osteo_core.i18n extract``). A language is marked "not yet reviewed by a clinician" until its
catalogue header names a reviewer (``X-Clinical-Reviewer``).
"""

from osteo_core.i18n.formatting import format_date, format_datetime, format_decimal, format_percent
from osteo_core.i18n.languages import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    clinical_reviewer,
    language_from_locale,
    needs_review,
)
from osteo_core.i18n.translate import N_, _, current_language, ngettext, set_language, use_language

__all__ = [
    "DEFAULT_LANGUAGE", "LANGUAGES", "N_", "_", "clinical_reviewer", "current_language", "format_date",
    "format_datetime", "format_decimal", "format_percent", "language_from_locale", "needs_review", "ngettext",
    "set_language", "use_language",
]
