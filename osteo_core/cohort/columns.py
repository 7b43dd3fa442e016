"""Map the column names of an uploaded table onto the patient schema.

Names are matched after normalisation (trimmed, lower case, byte-order mark removed, spaces and dashes as
underscores) against each field's canonical name, its aliases, and the unit-bearing columns (``weight_lb``,
``height_in``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from osteo_core.clinical.fields import FIELDS, FIELDS_BY_NAME, REQUIRED_FIELDS, UNIT_COLUMNS
from osteo_core.errors import ColumnMappingError
from osteo_core.i18n import N_, _


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


# Optional extra columns recognised by name (normalised): the outcome for evaluation and the patient id.
OUTCOME_NAMES = ("osteoporosis_dxa_hip", "osteoporosis_selfreport", "osteoporosis", "outcome", "diagnosis", "label",
                 "target")
ID_NAMES = ("id", "patient_id", "seqn", "subject_id", "person_id", "record_id", "participant_id")

# Columns of common public tables that look relevant but cannot feed the schema, with the reason in plain words
# (the widely used Kaggle "osteoporosis" table among them). Each is a whole note, translated when the note is made.
UNUSABLE_HINTS = {
    "body_weight": N_("Column '{column}' holds words (Normal/Underweight), not a weight in kg or lb, so it is not "
                      "used."),
    "alcohol_consumption": N_("Column '{column}' holds words (None/Moderate), not drinks per day, so it is not used."),
    "family_history": N_("Column '{column}' is a family history of osteoporosis, not 'a parent had a hip fracture', "
                         "so it is not used."),
    "medications": N_("Column '{column}' lists medicines in words; glucocorticoid use needs its own yes/no column, "
                      "so it is not used."),
    "medical_conditions": N_("Column '{column}' lists conditions in words; rheumatoid arthritis needs its own yes/no "
                             "column, so it is not used."),
    "hormonal_changes": N_("Column '{column}' is not the menopause status or hormone-therapy use the tools need, so "
                           "it is not used."),
}


# Unit of each unit column, and the canonical target of a (field, unit) choice made on the page.
COLUMN_UNITS = {"weight_lb": "lb", "weight_lbs": "lb", "height_in": "in", "height_inches": "in"}
ALTERNATIVE_UNITS = {"weight_kg": ("kg", "lb"), "height_cm": ("cm", "in")}


def target_for(field_name: str, unit: str) -> str:
    """Canonical mapping target of ``field_name`` given in ``unit``: ``("weight_kg", "lb")`` → ``"weight_lb"``.
    Raises :class:`ColumnMappingError` for a unit the field does not accept."""
    if unit == FIELDS_BY_NAME[field_name].unit or unit == "":
        return field_name
    for column, column_unit in COLUMN_UNITS.items():
        if UNIT_COLUMNS[column][0] == field_name and column_unit == unit:
            return column
    raise ColumnMappingError(_("`{field}` cannot be given in '{unit}'.").format(field=field_name, unit=unit))


def detect_named(columns: list[str], names: tuple[str, ...]) -> str | None:
    """The first column whose normalised name is in ``names`` (earlier names win), or ``None``."""
    normalised = {normalise_name(col): col for col in reversed(columns)}
    return next((normalised[name] for name in names if name in normalised), None)


def missing_required(mapping: ColumnMapping) -> list[str]:
    """Required schema fields (age, sex, weight_kg, height_cm) that no column maps to."""
    present = {UNIT_COLUMNS[c][0] if c in UNIT_COLUMNS else c for c in mapping.mapping.values()}
    return [name for name in REQUIRED_FIELDS if name not in present]


@dataclass(frozen=True)
class MappingNote:
    """A note on a column mapping: ``severity`` is "error" when the table cannot be scored as mapped, "info"
    otherwise; ``text`` says why in plain words (in the current language)."""

    severity: str
    text: str

    def __str__(self) -> str:
        return self.text


def mapping_notes(columns: list[str], mapping: ColumnMapping) -> list[MappingNote]:
    """Notes on a mapping: missing required fields (errors), ambiguous and known unusable columns (info)."""
    notes = []
    missing = missing_required(mapping)
    if missing:
        notes.append(MappingNote("error", _(
            "No column holds {fields}: the model and the tools need age (years), sex, weight (kg or lb) and height "
            "(cm or in) for every patient, so this table cannot be scored until you map them below.").format(
                fields=", ".join(f"`{m}`" for m in missing))))
    used = {UNIT_COLUMNS[t][0] if t in UNIT_COLUMNS else t: c for c, t in mapping.mapping.items()}
    for col in mapping.ambiguous:
        target = KNOWN_NAMES[normalise_name(col)]
        field_name = UNIT_COLUMNS[target][0] if target in UNIT_COLUMNS else target
        notes.append(MappingNote("info", _("Column '{column}' also looks like `{field}`; '{used}' is used. Change it "
                                           "below if that is wrong.").format(column=col, field=field_name,
                                                                             used=used.get(field_name))))
    for col in columns:
        hint = UNUSABLE_HINTS.get(normalise_name(col))
        if hint:
            notes.append(MappingNote("info", _(hint).format(column=col)))
    return notes


def mapping_from_choices(choices: dict[str, str | None], columns: list[str]) -> ColumnMapping:
    """A mapping from the user's choices: canonical name (a field, or ``weight_lb``/``height_in``) → source column
    (``None`` = not given). Raises :class:`ColumnMappingError` for a column not in ``columns`` or used twice."""
    mapping: dict[str, str] = {}
    for target, column in choices.items():
        if column is None:
            continue
        if column not in columns:
            raise ColumnMappingError(_("Column '{column}' chosen for `{field}` is not in the table.").format(
                column=column, field=target))
        if column in mapping:
            raise ColumnMappingError(_("Column '{column}' is chosen for both `{first}` and `{second}`; each column "
                                       "can hold one field only.").format(column=column, first=mapping[column],
                                                                          second=target))
        if target not in FIELDS_BY_NAME and target not in UNIT_COLUMNS:
            raise ColumnMappingError(_("`{field}` is not a patient field.").format(field=target))
        mapping[column] = target
    unused = [c for c in columns if c not in mapping]
    return ColumnMapping(mapping=mapping, unused=unused)


def field_choices(mapping: ColumnMapping) -> dict[str, tuple[str | None, str]]:
    """For each schema field: (source column or ``None``, unit of that column), e.g. ``{"weight_kg": ("Wt", "lb")}``.
    The unit is the field's own unit unless a unit column (``weight_lb``, ``height_in``) is mapped."""
    result: dict[str, tuple[str | None, str]] = {spec.name: (None, spec.unit) for spec in FIELDS}
    for column, target in mapping.mapping.items():
        if target in UNIT_COLUMNS:
            result[UNIT_COLUMNS[target][0]] = (column, COLUMN_UNITS[target])
        else:
            result[target] = (column, FIELDS_BY_NAME[target].unit)
    return result
