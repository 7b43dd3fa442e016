"""Merge translation drafts (JSON: msgid → {"es": ..., "hi": ...}) into the .po catalogues, then compile.

    .venv/bin/python scripts/i18n_merge.py DRAFTS.json [DRAFTS.json ...]

Runs ``update`` first so the catalogues hold every current message; a draft only fills a message the sources
have. Existing translations are overwritten by the drafts.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from babel.messages.pofile import read_po  # noqa: E402

from osteo_core.i18n.__main__ import TRANSLATED, _write, compile_all, update  # noqa: E402
from osteo_core.i18n.languages import clinical_reviewer, po_path  # noqa: E402


def main() -> int:
    drafts: dict[str, dict] = {}
    for name in sys.argv[1:]:
        drafts.update(json.loads(Path(name).read_text(encoding="utf-8")))
    update()
    for code in TRANSLATED:
        with po_path(code).open("rb") as handle:
            catalog = read_po(handle, locale=code)
        filled = 0
        for message in catalog:
            if not message.id:
                continue
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            value = drafts.get(key, {}).get(code)
            if not value:
                continue
            if isinstance(message.id, tuple):
                forms = value if isinstance(value, list) else [value]
                message.string = tuple(forms[min(i, len(forms) - 1)] for i in range(catalog.num_plurals))
            else:
                message.string = value if isinstance(value, str) else value[0]
            message.flags.discard("fuzzy")
            filled += 1
        _write(po_path(code), catalog, reviewer=clinical_reviewer(code))
        print(f"{code}: {filled} messages filled from drafts")
    compile_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
