"""Which messages of some source files still lack a translation in a JSON drafts file.

    .venv/bin/python scripts/i18n_todo.py DRAFTS.json FILE [FILE ...]

DRAFTS.json maps each English msgid to {"es": "...", "hi": "..."} (plural messages: the singular msgid maps to
{"es": [one, many, other], "hi": [one, other]}). Prints the msgids found in FILEs (``_``, ``N_``, ``ngettext``
calls; rule titles/texts in rules.yaml) that DRAFTS.json lacks, and drafts whose placeholders differ. Merge drafts
into the catalogues with ``scripts/i18n_merge.py``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from babel.messages.extract import extract_from_file  # noqa: E402

from osteo_core.i18n.extract import KEYWORDS, extract_rules_yaml, placeholders  # noqa: E402


def main() -> int:
    drafts_path, files = Path(sys.argv[1]), sys.argv[2:]
    drafts = json.loads(drafts_path.read_text(encoding="utf-8")) if drafts_path.exists() else {}
    todo, bad = [], []
    for name in files:
        method = extract_rules_yaml if name.endswith(".yaml") else "python"
        for _line, message, _comments, _context in extract_from_file(method, name, keywords=KEYWORDS):
            key = message[0] if isinstance(message, tuple) else message
            if key not in drafts:
                if (name, message) not in todo:
                    todo.append((name, message))
                continue
            for lang in ("es", "hi"):
                value = drafts[key].get(lang)
                forms = value if isinstance(value, list) else [value]
                if (not value or any(placeholders(f or "") != placeholders(key) for f in forms)) \
                        and (lang, key, value) not in bad:
                    bad.append((lang, key, value))
    for name, message in todo:
        print(f"MISSING {name}: {message!r}")
    for lang, key, value in bad:
        print(f"BAD {lang}: {key!r} -> {value!r}")
    print(f"{len(todo)} missing, {len(bad)} bad", file=sys.stderr)
    return 1 if todo or bad else 0


if __name__ == "__main__":
    sys.exit(main())
