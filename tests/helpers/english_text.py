"""Finding English left on a page that should speak another language (browser tests of issue 16).

Two checks on the visible text: (1) known English messages of the catalogue whose translation differs, and (2)
lines that read as English prose (several English function words) and are not citations, names or units — this
catches strings nobody marked for translation, which the catalogue cannot know about.
"""

from __future__ import annotations

import re
from functools import cache

from osteo_core.i18n import _, use_language
from osteo_core.i18n.extract import extract_template

_FIELD = re.compile(r"\{[^{}]*\}")
_MARKUP = re.compile(r"[*`#_]+|:\w+:")
_WORD = re.compile(r"[A-Za-z']+")
FUNCTION_WORDS = frozenset("the and with your this that is are not of to for from be was has have will can or "
                           "when which you it its by on at into only than".split())
# A line is a citation or a name list, never UI text, when it holds one of these.
CITATION = re.compile(r"et al|doi|https?://|\b(19|20)\d\d\s*[;:]|\bguideline\b.*\b(19|20)\d\d|Osteoporos Int|"
                      r"JAMA|Endocr Pract|Cartilage|Ann Rheum Dis|Arch Osteoporos|NICE|USPSTF|BHOF|NOGG|AACE|OARSI",
                      re.IGNORECASE)


def _normal(text: str) -> str:
    return " ".join(_MARKUP.sub(" ", text).split())


@cache
def english_phrases(language: str) -> tuple[str, ...]:
    """Literal English chunks (≥ 3 words) of every catalogue message whose ``language`` translation differs."""
    phrases = set()
    for message in extract_template():
        if not message.id or isinstance(message.id, tuple):
            continue
        with use_language(language):
            translated = _(message.id)
        if translated == message.id:
            continue
        for chunk in _FIELD.split(message.id):
            for line in chunk.splitlines():
                line = _normal(line.lstrip("-•0123456789. "))
                if len(line.split()) >= 3 and len(line) >= 15:
                    phrases.add(line)
    return tuple(sorted(phrases))


def english_left(page_text: str, language: str, allowed: tuple[str, ...] = ()) -> list[str]:
    """English that should have been translated: catalogue phrases found on the page, then prose-like lines."""
    text = _normal(page_text)
    found = [phrase for phrase in english_phrases(language) if phrase in text]
    for line in page_text.splitlines():
        words = [w.lower() for w in _WORD.findall(line)]
        if sum(w in FUNCTION_WORDS for w in words) >= 3 and not CITATION.search(line) \
                and not any(a in line for a in allowed):
            found.append(line.strip())
    return found
