"""Vectorised validation of patient records against the schema in :mod:`osteo_core.clinical.fields`.

One engine serves both a single patient (a one-row frame) and a cohort of millions of rows: each check is a boolean
mask over the whole column, and each problem becomes a message of the form
"`age` must be between 18 and 110 (years). Got 12."

Speed: a field's parse, range check and message depend only on the cell's value, so each column is factorised and
checked once per distinct value (a cohort column has few: ages, sexes, yes/no, weights to 0.1 kg), then expanded back
to the rows. Only the checks across fields (BMI, menopause in men, fracture counts) run per row, and messages are
formatted for the flagged rows only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from osteo_core.clinical.fields import (
    BMI_RANGE,
    FALSE_WORDS,
    FIELDS,
    FIELDS_BY_NAME,
    TRUE_WORDS,
    UNIT_COLUMNS,
    FieldSpec,
)
from osteo_core.i18n import _, format_decimal

_MISSING_WORDS = ["", "nan", "null", "na", "n/a", "<na>", "none", "nat"]
_MISSING_CATEGORY_WORDS = ["", "nan", "null", "<na>", "nat"]


@dataclass
class ValidatedFrame:
    """Typed, canonical patient columns plus the problems found in each row.

    ``values`` has one column per schema field plus ``bmi`` (kg/m²): numbers and booleans as float64 (booleans 1.0/0.0,
    NaN when unknown), categories as canonical strings or ``None``. ``field_issues`` maps a field name to a Series of
    messages ("" where that field is fine). ``issues`` joins them per row with "; ".
    """

    values: pd.DataFrame
    field_issues: dict[str, pd.Series]
    issues: pd.Series

    @property
    def valid(self) -> pd.Series:
        """Boolean Series, True for rows without any problem."""
        return self.issues == ""


def _text(series: pd.Series) -> pd.Series:
    """Stripped string view of a column, with missing values as ""."""
    text = series.astype("string").fillna("").str.strip()
    return text.astype(object)


def _format_numbers(values: pd.Series) -> pd.Series:
    return values.map(lambda v: f"{v:g}")


def _around_value(template: str, **fields: object) -> tuple[str, str]:
    """The text before and after the ``{value}`` field of a translated ``template`` whose other fields are filled,
    so that a column of values can be put in between at once (the translation may move ``{value}`` anywhere)."""
    before, _sep, after = template.format(value="\x00", **fields).partition("\x00")
    return before, after


def _with_values(template: str, values: pd.Series, **fields: object) -> pd.Series:
    """``template`` (translated, with a ``{value}`` field) filled in for each of ``values`` (text)."""
    before, after = _around_value(template, **fields)
    return before + values + after


def _append(messages: pd.Series, mask: pd.Series | np.ndarray, text: pd.Series | str) -> pd.Series:
    """``messages`` with ``text`` added ("; "-separated) on the rows of ``mask``; ``text`` is a string or a Series
    of the same length as ``messages``."""
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return messages
    addition = text.to_numpy(dtype=object)[mask] if isinstance(text, pd.Series) else text
    result = messages.to_numpy(dtype=object).copy()
    _append_array(result, mask, addition)
    return pd.Series(result, index=messages.index, dtype=object)


def _append_array(messages: np.ndarray, mask: np.ndarray, addition: np.ndarray | str) -> None:
    """In place: add ``addition`` (a string, or one string per True row of ``mask``) to ``messages`` on ``mask``."""
    current = messages[mask]
    messages[mask] = np.where(current == "", addition, current + "; " + addition)


def _parse_number(spec: FieldSpec, raw: pd.Series, messages: pd.Series) -> tuple[pd.Series, pd.Series]:
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        values = raw.astype("float64")
        text = None
        bad = pd.Series(False, index=raw.index)
    else:
        text = _text(raw)
        missing = text.str.lower().isin(_MISSING_WORDS)
        values = pd.to_numeric(text.where(~missing, None), errors="coerce").astype("float64")
        bad = values.isna() & ~missing
        messages = _append(messages, bad, _with_values(_("`{name}` must be a number{unit}. Got '{value}'."), text,
                                                       name=spec.name, unit=spec.unit_text))
    values = values.where(np.isfinite(values.to_numpy(dtype="float64", na_value=np.nan)))
    if spec.kind == "integer":
        fractional = values.notna() & (values != np.floor(values))
        messages = _append(
            messages, fractional,
            _with_values(_("`{name}` must be a whole number{unit}. Got {value}."), _format_numbers(values),
                         name=spec.name, unit=spec.unit_text),
        )
        values = values.where(~fractional)
    return values, messages


def _check_range(spec: FieldSpec, values: pd.Series, messages: pd.Series) -> tuple[pd.Series, pd.Series]:
    if spec.minimum is None or spec.maximum is None:
        return values, messages
    outside = values.notna() & ((values < spec.minimum) | (values > spec.maximum))
    if outside.any():
        got = values.copy()
        messages = _append(
            messages, outside,
            _with_values(_("`{name}` must be between {low} and {high}{unit}. Got {value}."),
                         _format_numbers(got.where(outside, 0.0)), name=spec.name, low=f"{spec.minimum:g}",
                         high=f"{spec.maximum:g}", unit=spec.unit_text),
        )
    return values.where(~outside), messages


def _parse_boolean(spec: FieldSpec, raw: pd.Series, messages: pd.Series) -> tuple[pd.Series, pd.Series]:
    text = _text(raw).str.lower()
    values = pd.Series(np.nan, index=raw.index, dtype="float64")
    values[text.isin(TRUE_WORDS)] = 1.0
    values[text.isin(FALSE_WORDS)] = 0.0
    bad = values.isna() & ~text.isin(_MISSING_WORDS)
    messages = _append(
        messages, bad, _with_values(_("`{name}` must be yes or no (1/0, true/false). Got '{value}'."), _text(raw),
                                    name=spec.name),
    )
    return values, messages


def _parse_category(spec: FieldSpec, raw: pd.Series, messages: pd.Series) -> tuple[pd.Series, pd.Series]:
    text = _text(raw)
    lower = text.str.lower().str.replace("-", "_", regex=False)
    lookup = {choice: choice for choice in spec.choices} | spec.choice_aliases
    lookup |= {key.replace(" ", "_"): value for key, value in spec.choice_aliases.items()}
    lookup |= {choice.replace("_", " "): choice for choice in spec.choices}
    values = lower.map(lookup)
    values = values.astype(object).where(values.notna(), None)
    bad = values.isna() & ~lower.isin(_MISSING_CATEGORY_WORDS)
    messages = _append(
        messages, bad, _with_values(_("`{name}` must be one of {choices}. Got '{value}'."), text, name=spec.name,
                                    choices=", ".join(spec.choices)),
    )
    return values, messages


_PARSERS = {"number": _parse_number, "integer": _parse_number, "boolean": _parse_boolean, "category": _parse_category}


def _column_for(frame: pd.DataFrame, spec: FieldSpec) -> tuple[pd.Series | None, float]:
    """The column holding ``spec`` and the factor converting it to the canonical unit."""
    if spec.name in frame.columns:
        return frame[spec.name], 1.0
    for column, (target, factor) in UNIT_COLUMNS.items():
        if target == spec.name and column in frame.columns:
            return frame[column], factor
    return None, 1.0


def validate_frame(frame: pd.DataFrame) -> ValidatedFrame:
    """Parse and check every schema field of ``frame`` (canonical column names, see ``map_columns``).

    Columns in other units (``weight_lb``, ``height_in``) are converted to kg and cm. Missing optional columns are
    treated as unknown. Never raises on bad values: problems come back per row in the result.
    """
    index = frame.index
    values: dict[str, pd.Series] = {}
    messages: dict[str, np.ndarray] = {}
    bad: dict[str, np.ndarray] = {}
    for spec in FIELDS:
        raw, factor = _column_for(frame, spec)
        parsed, field_messages, field_bad = _check_column(spec, raw, factor, len(index))
        values[spec.name] = pd.Series(parsed, index=index, dtype=parsed.dtype)
        messages[spec.name], bad[spec.name] = field_messages, field_bad
    _check_relations(values, messages, bad)
    any_bad = np.zeros(len(index), dtype=bool)
    for mask in bad.values():
        any_bad |= mask
    joined = np.full(len(index), "", dtype=object)
    if any_bad.any():
        rows = np.flatnonzero(any_bad)
        part = joined[rows]
        for name, mask in bad.items():
            sub = mask[rows]
            if sub.any():
                _append_array(part, sub, messages[name][rows][sub])
        joined[rows] = part
    field_issues = {name: pd.Series(text, index=index, dtype=object) for name, text in messages.items()}
    table = pd.DataFrame(values, index=index)
    return ValidatedFrame(values=table, field_issues=field_issues, issues=pd.Series(joined, index=index, dtype=object))


def _check_one(spec: FieldSpec, raw: pd.Series, factor: float) -> tuple[pd.Series, pd.Series]:
    """Parsed values and messages of one column (each a Series aligned with ``raw``)."""
    messages = pd.Series("", index=raw.index, dtype=object)
    parsed, messages = _PARSERS[spec.kind](spec, raw, messages)
    if spec.kind in ("number", "integer"):
        parsed, messages = _check_range(spec, parsed * factor, messages)
    if spec.required:
        missing = parsed.isna() & (messages == "")
        messages = _append(messages, missing, _("`{name}` is required{unit}.").format(name=spec.name,
                                                                                    unit=spec.unit_text))
    return parsed, messages


def _distinct(raw: pd.Series) -> tuple[np.ndarray, pd.Series] | None:
    """Codes and distinct values of ``raw``, or ``None`` when an object column mixes types whose equal values
    print differently (``1``, ``1.0``, ``True``): those are checked cell by cell."""
    codes, uniques = pd.factorize(raw, use_na_sentinel=False)
    distinct = pd.Series(uniques, dtype=raw.dtype if raw.dtype != object else object)
    if raw.dtype == object:
        kinds = {type(v) for v in distinct if isinstance(v, str) or not pd.isna(v)}
        if kinds - {str}:
            return None
    return codes, distinct


def _check_column(
    spec: FieldSpec, raw: pd.Series | None, factor: float, rows: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parsed values, messages ("" when fine) and a problem mask for one field, as arrays of length ``rows``."""
    if raw is None:
        parsed = pd.Series(None if spec.kind == "category" else np.nan, index=pd.RangeIndex(rows),
                           dtype=object if spec.kind == "category" else "float64").to_numpy()
        text = _("`{name}` is required{unit}.").format(name=spec.name, unit=spec.unit_text) if spec.required else ""
        return parsed, np.full(rows, text, dtype=object), np.full(rows, bool(text))
    found = _distinct(raw) if rows > 1 else None
    if found is None:
        parsed, messages = _check_one(spec, raw, factor)
        text = messages.to_numpy(dtype=object)
        return parsed.to_numpy(), text, text != ""
    codes, distinct = found
    parsed, messages = _check_one(spec, distinct, factor)
    text = messages.to_numpy(dtype=object)
    return parsed.to_numpy()[codes], text[codes], (text != "")[codes]


def _check_relations(
    values: dict[str, pd.Series], messages: dict[str, np.ndarray], bad: dict[str, np.ndarray]
) -> None:
    """In place: checks that involve more than one field (derived BMI, menopause in men, fracture counts)."""
    rows = len(values["age"])
    height_m = values["height_cm"] / 100.0
    bmi = values["weight_kg"] / (height_m * height_m)
    low, high = BMI_RANGE
    outside = (bmi.notna() & ((bmi < low) | (bmi > high))).to_numpy()
    bmi_messages = np.full(rows, "", dtype=object)
    if outside.any():
        got = bmi.to_numpy()[outside]
        template = _("`bmi` derived from weight and height must be between {low} and {high} (kg/m²). Got {value}.")
        bmi_messages[outside] = [template.format(low=f"{low:g}", high=f"{high:g}", value=format_decimal(v, 1))
                                 for v in got]
    messages["bmi"], bad["bmi"] = bmi_messages, outside
    values["bmi"] = bmi.where(~outside)

    menopause = values["menopause_status"]
    male_menopause = ((values["sex"] == "male") & menopause.notna() & (menopause != "not_applicable")).to_numpy()
    if male_menopause.any():
        got = menopause.to_numpy()[male_menopause]
        template = _("`menopause_status` must be not_applicable for a male patient. Got '{value}'.")
        _add(messages, bad, "menopause_status", male_menopause, [template.format(value=v) for v in got])
    count = values["fracture_count_after_45"]
    contradiction = ((values["prior_fracture"] == 0.0) & (count > 0)).to_numpy()
    if contradiction.any():
        got = count.to_numpy()[contradiction]
        template = _("`fracture_count_after_45` is {value} but `prior_fracture` is no.")
        _add(messages, bad, "fracture_count_after_45", contradiction, [template.format(value=f"{v:g}") for v in got])


def _add(messages: dict[str, np.ndarray], bad: dict[str, np.ndarray], name: str, mask: np.ndarray,
         texts: list[str]) -> None:
    text = messages[name].copy()
    _append_array(text, mask, np.array(texts, dtype=object))
    messages[name], bad[name] = text, bad[name] | mask


def field_spec(name: str) -> FieldSpec:
    """The :class:`FieldSpec` called ``name``. Raises ``KeyError`` for an unknown field."""
    return FIELDS_BY_NAME[name]
