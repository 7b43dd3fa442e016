"""Catalogue maintenance: ``python -m osteo_core.i18n extract|update|compile|stats``.

    extract   write the template osteo_core/i18n/locale/osteo.pot from the sources
    update    extract, then merge new/changed messages into every language's .po (keeps translations and header)
    compile   write each language's .mo from its .po (the app reads the .mo)
    stats     coverage per language: translated, missing, fuzzy, placeholder mismatches (exit 1 if incomplete)
"""

from __future__ import annotations

import argparse
import io
import json
import sys

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from osteo_core.i18n.extract import extract_template, placeholders
from osteo_core.i18n.languages import (
    DEFAULT_LANGUAGE,
    DOMAIN,
    LANGUAGES,
    LOCALE_DIR,
    REVIEWER_HEADER,
    clinical_reviewer,
    po_path,
)

TRANSLATED = [code for code in LANGUAGES if code != DEFAULT_LANGUAGE]


def _message_ids(message) -> tuple[str, ...]:  # noqa: ANN001 (babel Message)
    return tuple(message.id) if isinstance(message.id, tuple) else (message.id,)


def _write(path, catalog, reviewer: str | None = None) -> None:  # noqa: ANN001
    """Write a catalogue; for a language, keep the ``X-Clinical-Reviewer`` header (Babel drops unknown headers)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=116, sort_output=False, ignore_obsolete=True, include_previous=False)
    text = buffer.getvalue().decode("utf-8")
    if reviewer is not None:
        line = f'"{REVIEWER_HEADER}: {reviewer}\\n"\n'
        text = text.replace('"Generated-By:', line + '"Generated-By:', 1)
    path.write_text(text, encoding="utf-8")


def update() -> None:
    template = extract_template()
    _write(LOCALE_DIR / f"{DOMAIN}.pot", template)
    for code in TRANSLATED:
        path = po_path(code)
        if path.exists():
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=code)
            catalog.update(template, no_fuzzy_matching=True)
        else:
            catalog = read_po(open(LOCALE_DIR / f"{DOMAIN}.pot", "rb"), locale=code)  # noqa: SIM115
            catalog.locale = code
            catalog.last_translator = "Drafted by the project's engineers; not yet reviewed by a clinician"
            catalog.language_team = f"{LANGUAGES[code]} <https://github.com/osteo-dashboard>"
        _write(path, catalog, reviewer=clinical_reviewer(code))


def compile_all() -> None:
    for code in TRANSLATED:
        with po_path(code).open("rb") as handle:
            catalog = read_po(handle, locale=code)
        with po_path(code).with_suffix(".mo").open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)


def coverage() -> dict[str, dict]:
    """Per language: messages in the sources, translated, missing, fuzzy, placeholder mismatches, reviewer."""
    template = extract_template()
    wanted = {message.id for message in template if message.id}
    report = {}
    for code in TRANSLATED:
        with po_path(code).open("rb") as handle:
            catalog = read_po(handle, locale=code)
        done, missing, fuzzy, mismatched = 0, [], [], []
        for msgid in sorted(wanted, key=str):
            message = catalog.get(msgid)
            strings = [] if message is None else (list(message.string) if isinstance(message.string, tuple)
                                                  else [message.string])
            if message is None or not all(strings):
                missing.append(msgid)
            elif message.fuzzy:
                fuzzy.append(msgid)
            elif any(placeholders(s) != placeholders(_message_ids(message)[0]) for s in strings):
                mismatched.append(msgid)
            else:
                done += 1
        report[code] = {"messages": len(wanted), "translated": done, "missing": missing, "fuzzy": fuzzy,
                        "placeholder_mismatch": mismatched, "reviewer": clinical_reviewer(code)}
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m osteo_core.i18n", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("extract", "update", "compile", "stats"))
    parser.add_argument("--json", action="store_true", help="stats as JSON")
    args = parser.parse_args(argv)
    if args.command == "extract":
        _write(LOCALE_DIR / f"{DOMAIN}.pot", extract_template())
    elif args.command == "update":
        update()
    elif args.command == "compile":
        compile_all()
    else:
        report = coverage()
        if args.json:
            print(json.dumps(report, ensure_ascii=False, indent=1))
        else:
            for code, row in report.items():
                print(f"{code}: {row['translated']}/{row['messages']} translated "
                      f"({100 * row['translated'] / max(row['messages'], 1):.1f} %), {len(row['missing'])} missing, "
                      f"{len(row['fuzzy'])} fuzzy, {len(row['placeholder_mismatch'])} placeholder mismatches; "
                      f"clinical reviewer: {row['reviewer'] or 'none yet'}")
        return 0 if all(r["translated"] == r["messages"] for r in report.values()) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
