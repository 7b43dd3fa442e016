"""Score a cohort table: validate every row, run the risk model and the screening tools, keep bad rows.

The scoring is vectorised over a whole chunk; files are streamed in chunks so memory stays bounded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

from osteo_core.clinical.features import model_inputs
from osteo_core.clinical.risk_model import RiskModel, load_risk_model
from osteo_core.clinical.tools import orai, ost, score
from osteo_core.clinical.validate import validate_frame
from osteo_core.cohort.columns import ColumnMapping, map_columns, missing_required
from osteo_core.cohort.reading import DEFAULT_CHUNK_ROWS, TableChunk, open_table
from osteo_core.cohort.view import counts
from osteo_core.cohort.writer import write_csv_chunk
from osteo_core.errors import TableReadError
from osteo_core.i18n import _
from osteo_core.vocabulary import RISK_COLUMN

SCORE_COLUMNS = (RISK_COLUMN, "risk_category", "t_score_estimate", "t_score_low", "t_score_high", "ost_index",
                 "ost_flag", "orai_score", "score_score", "issues")


def score_frame(frame: pd.DataFrame, model: RiskModel, mapping: ColumnMapping | None = None) -> pd.DataFrame:
    """Return ``frame`` with the score columns appended (``SCORE_COLUMNS``), rows and input columns unchanged.

    Rows with problems get their messages in ``issues`` and empty scores. ``mapping`` (source → canonical column)
    defaults to auto-detection. Raises :class:`TableReadError` when a required field has no column.
    """
    return _score_chunk(frame, model, mapping)[0]


def _score_chunk(
    frame: pd.DataFrame, model: RiskModel, mapping: ColumnMapping | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The scored frame (see :func:`score_frame`) and the validated canonical values (see ``validate_frame``)."""
    mapping = mapping or map_columns(list(frame.columns))
    _require_fields(mapping)
    canonical = frame[list(mapping.mapping)].rename(columns=mapping.mapping)
    canonical.index = frame.index
    checked = validate_frame(canonical)
    valid = checked.valid.to_numpy()
    values = checked.values
    out = frame.copy()
    risk, t_scores = np.full(len(frame), np.nan), np.full((3, len(frame)), np.nan)
    if valid.any():
        estimate = model.estimate(model_inputs(values[valid]))
        risk[valid] = estimate.probability
        t_scores[:, valid] = estimate.t_score.estimate, estimate.t_score.low, estimate.t_score.high
    category = np.where(valid, model.risk_band(risk), "")
    ost_result, orai_result, score_result = ost(values), orai(values), score(values)
    out[RISK_COLUMN] = np.round(risk, 4)
    out["risk_category"] = category
    for name, column in zip(("t_score_estimate", "t_score_low", "t_score_high"), t_scores, strict=True):
        out[name] = np.round(column, 2)
    out["ost_index"] = pd.array(ost_result.score.where(valid), dtype="Int64")
    out["ost_flag"] = pd.array(ost_result.flag.where(valid), dtype="Int64")
    out["orai_score"] = pd.array(orai_result.score.where(valid), dtype="Int64")
    out["score_score"] = pd.array(score_result.score.where(valid), dtype="Int64")
    out["issues"] = checked.issues.to_numpy()
    return out, values


@dataclass
class ScoredCohort:
    """A scored table (input columns plus ``SCORE_COLUMNS``) and its validated canonical values, row for row."""

    scored: pd.DataFrame
    values: pd.DataFrame


def score_chunk(chunk: TableChunk, model: RiskModel, mapping: ColumnMapping) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score one chunk from the reader (see :func:`score_frame`); rows the reader could not parse keep its message
    in ``issues`` and get no scores."""
    scored, values = _score_chunk(chunk.frame, model, mapping)
    if chunk.problems is not None:
        _flag_unreadable(scored, chunk.problems)
    return scored, values


def _flag_unreadable(scored: pd.DataFrame, problems: np.ndarray) -> None:
    bad = problems != ""
    for column in SCORE_COLUMNS:
        if column == "issues" or column not in scored:
            continue
        series = scored[column]
        empty = np.nan if series.dtype.kind == "f" else "" if series.dtype == object or isinstance(
            series.dtype, pd.StringDtype) else pd.NA
        scored.loc[bad, column] = empty
    scored.loc[bad, "issues"] = problems[bad]


def score_table(
    frame: pd.DataFrame,
    model: RiskModel,
    mapping: ColumnMapping | None = None,
    chunk_rows: int = 20_000,
    progress: Callable[[int, int], None] | None = None,
    problems: np.ndarray | None = None,
) -> ScoredCohort:
    """Score an in-memory table in chunks, calling ``progress(rows_done, rows_total)`` after each chunk.
    ``problems`` holds the reader's message for rows it could not parse (see ``LoadedTable``).

    Raises :class:`TableReadError` for an empty table or one lacking a required column.
    """
    if len(frame) == 0:
        raise TableReadError(_("The table has no rows."))
    if chunk_rows < 1:
        raise ValueError(_("chunk_rows must be at least 1; got {value}.").format(value=chunk_rows))
    mapping = mapping or map_columns(list(frame.columns))
    _require_fields(mapping)
    scored, values = [], []
    for start in range(0, len(frame), chunk_rows):
        part = None if problems is None else problems[start:start + chunk_rows]
        out, checked = score_chunk(TableChunk(frame.iloc[start:start + chunk_rows], start, part), model, mapping)
        scored.append(out)
        values.append(checked)
        if progress:
            progress(min(start + chunk_rows, len(frame)), len(frame))
    return ScoredCohort(pd.concat(scored), pd.concat(values))


def _require_fields(mapping: ColumnMapping) -> None:
    missing = missing_required(mapping)
    if missing:
        raise TableReadError(_("The table has no column for required field(s) {fields}. Accepted names include age, "
                               "sex, weight_kg (or weight_lb), height_cm (or height_in).").format(
                                   fields=", ".join(f"`{m}`" for m in missing)))


def score_file(
    input_path: str | Path,
    output_path: str | Path,
    model: RiskModel | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    progress: Callable[[int], None] | None = None,
    spreadsheet_safe: bool = False,
) -> dict[str, int]:
    """Score ``input_path`` (CSV, XLSX or Parquet) into the CSV ``output_path``, chunk by chunk.

    ``progress`` is called with the number of rows done after each chunk. ``spreadsheet_safe`` neutralises text
    cells a spreadsheet would run as formulas (see :func:`osteo_core.cohort.export.neutralise_formulas`). Returns
    the counts of :func:`osteo_core.cohort.view.counts`. Raises :class:`TableReadError` for an unreadable file or
    missing required columns.
    """
    stream = open_table(input_path, chunk_rows=chunk_rows)
    mapping = map_columns(stream.columns)
    _require_fields(mapping)
    model = model or load_risk_model()
    totals = {"rows": 0, "scored": 0, "with_issues": 0}
    with open(output_path, "wb") as out:
        for chunk in stream.chunks:
            scored, _values = score_chunk(chunk, model, mapping)
            write_scored(scored, out, header=chunk.start == 0, spreadsheet_safe=spreadsheet_safe)
            for key, value in counts(scored).items():
                totals[key] += value
            if progress:
                progress(totals["rows"])
    if totals["rows"] == 0:  # also a header without rows (the page refuses it too)
        raise TableReadError(_("{name} has no rows.").format(name=Path(str(input_path)).name))
    return totals


def write_scored(scored: pd.DataFrame, handle: BinaryIO, header: bool, spreadsheet_safe: bool = False) -> None:
    """Append a scored chunk to the binary ``handle`` as CSV (formula cells neutralised if ``spreadsheet_safe``)."""
    if spreadsheet_safe:
        from osteo_core.cohort.export import neutralise_formulas

        scored = neutralise_formulas(scored)
    write_csv_chunk(scored, handle, header)
