"""Finding the translatable strings: Python calls of ``_``/``N_``/``ngettext`` and the texts of the rule file.

Used by ``python -m osteo_core.i18n`` (to write the catalogues) and by the catalogue test (to check them).
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import yaml
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# What the app and the command line show: the UI layer, the core package, the entry point.
SOURCE_DIRS = ("osteo_core", "app_support", "pages")
SOURCE_FILES = ("streamlit_app.py",)
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}
RULE_FIELDS = ("title", "text")  # a rule's citation ("section") quotes its guideline and stays in English
_PERCENT_FIELD = re.compile(r"%(?:\((\w+)\))?[-#0+]*\d*(?:\.\d+)?[sdfr]")


def extract_rules_yaml(fileobj: IO[bytes], keywords: Any, comment_tags: Any,
                       options: Any) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """Babel extractor for ``rules.yaml``: every rule's title and text, and each consult entry's words."""
    data = yaml.safe_load(fileobj.read().decode("utf-8")) or {}
    for rule in data.get("rules", []):
        for field in RULE_FIELDS:
            if isinstance(rule.get(field), str):
                yield 0, None, rule[field], [f"rule {rule.get('id')}: {field}"]


def _sources() -> Iterator[tuple[Path, str]]:
    for name in SOURCE_FILES:
        yield PROJECT_ROOT / name, "python"
    for folder in SOURCE_DIRS:
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
            yield path, "python"
    yield PROJECT_ROOT / "osteo_core" / "recommend" / "data" / "rules.yaml", extract_rules_yaml


def extract_template() -> Catalog:
    """A catalogue of every translatable message in the sources (no translations): the ``.pot`` template."""
    catalog = Catalog(project="osteo-dashboard", charset="utf-8", fuzzy=False)
    for path, method in _sources():
        relative = path.relative_to(PROJECT_ROOT).as_posix()
        for lineno, message, comments, context in extract_from_file(method, str(path), keywords=KEYWORDS,
                                                                    comment_tags=("Translators:",)):
            catalog.add(message, locations=[(relative, lineno)], auto_comments=comments, context=context)
    return catalog


def placeholders(text: str) -> set[str]:
    """The named fields of a message: ``{name}``/``{value:.1f}`` and ``%(name)s`` (so a translation keeps them)."""
    fields: set[str] = set()
    try:
        fields |= {f"{{{name}}}" for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}
    except ValueError:
        fields.add("<unbalanced braces>")
    fields |= {f"%({m})" if m else "%" for m in _PERCENT_FIELD.findall(text)}
    return fields
