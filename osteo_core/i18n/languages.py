"""The languages the app speaks, how a browser locale maps onto them, and each catalogue's review status."""

from __future__ import annotations

from functools import cache
from pathlib import Path

LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "osteo"
DEFAULT_LANGUAGE = "en"
# Code → the language's own name (what the switcher shows, so a reader finds their language without English).
LANGUAGES: dict[str, str] = {"en": "English", "es": "Español", "hi": "हिन्दी"}
REVIEWER_HEADER = "X-Clinical-Reviewer"


def language_from_locale(locale: str | None) -> str:
    """The supported language for a browser or POSIX locale (``"es-MX"``, ``"hi_IN.UTF-8"``); English otherwise."""
    if not locale:
        return DEFAULT_LANGUAGE
    code = locale.replace("_", "-").split(".")[0].split("@")[0].split("-")[0].lower()
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def po_path(language: str) -> Path:
    """The editable catalogue of ``language`` (raises ``KeyError`` for an unsupported code)."""
    if language not in LANGUAGES:
        raise KeyError(language)
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def clinical_reviewer(language: str) -> str:
    """The clinician named in the catalogue header as reviewer of ``language`` ("" when nobody has yet).

    English is the source text and counts as reviewed.
    """
    if language == DEFAULT_LANGUAGE:
        return "source text"
    path = po_path(language)
    return reviewer_in_header(path.read_text(encoding="utf-8")) if path.exists() else ""


def reviewer_in_header(po_text: str) -> str:
    """The ``X-Clinical-Reviewer`` value in the header of a ``.po`` file's text ("" when absent or empty)."""
    for line in po_text.splitlines()[:40]:
        if line.startswith(f'"{REVIEWER_HEADER}:'):
            return line.split(":", 1)[1].replace("\\n", "").strip().strip('"').strip()
    return ""


def needs_review(language: str) -> bool:
    """True while ``language``'s translation has no clinical reviewer recorded in its catalogue."""
    return not clinical_reviewer(language)
