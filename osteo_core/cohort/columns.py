"""Map the column names of an uploaded table onto the patient schema.

Names are matched after normalisation (trimmed, lower case, byte-order mark removed, spaces and dashes as
underscores) against each field's canonical name, its aliases, and the unit-bearing columns (``weight_lb``,
``height_in``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from osteo_core.clinical.fields import FIELDS, UNIT_COLUMNS


def normalise_name(name: object) -> str:
    """Column name in comparable form: ``" Weight-KG\\ufeff"`` → ``"weight_kg"``."""
    text = str(name).replace("\ufeff", "").strip().lower()
    return re.sub(r"[\s\-/]+", "_", text)


def _known_names() -> dict[str, str]:
    known: dict[str, str] = {}
    for spec in FIELDS:
        known[spec.name] = spec.name
        for alias in spec.aliases:
            known.setdefault(alias, spec.name)
    for column in UNIT_COLUMNS:
        known[column] = column
    return known


KNOWN_NAMES = _known_names()


@dataclass
class ColumnMapping:
    """``mapping``: source column → canonical name (a schema field or a unit column such as ``weight_lb``).

    ``ambiguous`` lists source columns that matched a field already taken by an earlier column; ``unused`` lists
    columns that matched nothing (they are kept unchanged in outputs).
    """

    mapping: dict[str, str]
    ambiguous: list[str] = field(default_factory=list)
    unused: list[str] = field(default_factory=list)


def map_columns(columns: list[str]) -> ColumnMapping:
    """Auto-detect which source columns hold which schema fields. An exact canonical name wins over an alias."""
    mapping: dict[str, str] = {}
    taken: dict[str, str] = {}
    ambiguous: list[str] = []
    unused: list[str] = []
    normalised = {col: normalise_name(col) for col in columns}
    ordered = sorted(columns, key=lambda c: (KNOWN_NAMES.get(normalised[c]) != normalised[c], columns.index(c)))
    for col in ordered:
        target = KNOWN_NAMES.get(normalised[col])
        if target is None:
            unused.append(col)
            continue
        field_name = UNIT_COLUMNS[target][0] if target in UNIT_COLUMNS else target
        if field_name in taken:
            ambiguous.append(col)
            continue
        taken[field_name] = col
        mapping[col] = target
    return ColumnMapping(mapping=mapping, ambiguous=ambiguous, unused=[c for c in columns if c in unused])
