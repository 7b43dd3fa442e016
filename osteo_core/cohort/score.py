"""Score a cohort table: validate every row, run the risk model and the screening tools, keep bad rows.

The scoring is vectorised over a whole chunk; files are streamed in chunks so memory stays bounded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from osteo_core.clinical.features import model_inputs
from osteo_core.clinical.risk_model import RiskModel, load_risk_model
from osteo_core.clinical.tools import orai, ost, score
from osteo_core.clinical.validate import validate_frame
from osteo_core.cohort.columns import ColumnMapping, map_columns, missing_required
from osteo_core.cohort.fast_predict import cohort_predictor
from osteo_core.errors import TableReadError

SCORE_COLUMNS = ("osteo_risk", "risk_category", "ost_index", "ost_flag", "orai_score", "score_score", "issues")
DEFAULT_CHUNK_ROWS = 200_000


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
    risk = np.full(len(frame), np.nan)
    if valid.any():
        risk[valid] = _predictor(model)(model_inputs(values[valid]))
    category = np.where(valid, model.risk_band(risk), "")
    ost_result, orai_result, score_result = ost(values), orai(values), score(values)
    out["osteo_risk"] = np.round(risk, 4)
    out["risk_category"] = category
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


def score_table(
    frame: pd.DataFrame,
    model: RiskModel,
    mapping: ColumnMapping | None = None,
    chunk_rows: int = 20_000,
    progress: Callable[[int, int], None] | None = None,
) -> ScoredCohort:
    """Score an in-memory table in chunks, calling ``progress(rows_done, rows_total)`` after each chunk.

    Raises :class:`TableReadError` for an empty table or one lacking a required column.
    """
    if len(frame) == 0:
        raise TableReadError("The table has no rows.")
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be at least 1; got {chunk_rows}.")
    mapping = mapping or map_columns(list(frame.columns))
    _require_fields(mapping)
    scored, values = [], []
    for start in range(0, len(frame), chunk_rows):
        out, checked = _score_chunk(frame.iloc[start:start + chunk_rows], model, mapping)
        scored.append(out)
        values.append(checked)
        if progress:
            progress(min(start + chunk_rows, len(frame)), len(frame))
    return ScoredCohort(pd.concat(scored), pd.concat(values))


_PREDICTORS: dict[int, tuple[RiskModel, Callable[[pd.DataFrame], np.ndarray]]] = {}


def _predictor(model: RiskModel) -> Callable[[pd.DataFrame], np.ndarray]:
    """The fast whole-cohort predictor of ``model`` (see :mod:`osteo_core.cohort.fast_predict`), built once."""
    cached = _PREDICTORS.get(id(model))
    if cached is None or cached[0] is not model:
        cached = (model, cohort_predictor(model))
        _PREDICTORS[id(model)] = cached
    return cached[1]


def _require_fields(mapping: ColumnMapping) -> None:
    missing = missing_required(mapping)
    if missing:
        raise TableReadError(
            "The table has no column for required field(s) " + ", ".join(f"`{m}`" for m in missing)
            + ". Accepted names include age, sex, weight_kg (or weight_lb), height_cm (or height_in)."
        )


def read_table_chunks(path: Path, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    """Yield the table at ``path`` in chunks, every cell read as text for CSV (so values pass through unchanged).

    CSV delimiters (comma, semicolon, tab) are sniffed; a UTF-8 byte-order mark is removed. XLSX reads the first
    sheet; Parquet is read by row group. Raises :class:`TableReadError` for an unreadable, empty or unknown file.
    """
    path = Path(path)
    if not path.is_file():
        raise TableReadError(f"Input file {path} does not exist.")
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".txt", ".tsv"):
            yield from _csv_chunks(path, chunk_rows)
        elif suffix in (".xlsx", ".xlsm", ".xls"):
            yield pd.read_excel(path, sheet_name=0)
        elif suffix == ".parquet":
            import pyarrow.parquet as pq

            for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk_rows):
                yield batch.to_pandas()
        else:
            raise TableReadError(f"Unsupported file type '{suffix}'. Use .csv, .xlsx or .parquet.")
    except TableReadError:
        raise
    except (ValueError, OSError, UnicodeDecodeError, ImportError) as exc:
        raise TableReadError(f"Cannot read {path.name}: {exc}") from exc


def _csv_chunks(path: Path, chunk_rows: int) -> Iterator[pd.DataFrame]:
    with open(path, "rb") as handle:
        head = handle.read(64 * 1024)
    if not head.strip():
        raise TableReadError(f"{path.name} is empty.")
    text = head.decode("utf-8-sig", errors="replace")
    first_line = text.splitlines()[0] if text.splitlines() else ""
    delimiter = max([",", ";", "\t"], key=first_line.count)
    try:  # like the cohort page: a file that is not UTF-8 is read as Windows-1252
        head.decode("utf-8-sig")
        encoding = "utf-8-sig"
    except UnicodeDecodeError as exc:
        encoding = "utf-8-sig" if exc.start >= len(head) - 3 else "cp1252"  # a character cut at the 64 KB mark
    reader = pd.read_csv(path, sep=delimiter, dtype=str, keep_default_na=False, chunksize=chunk_rows,
                         encoding=encoding, skipinitialspace=False)
    yield from reader


def score_file(
    input_path: Path,
    output_path: Path,
    model: RiskModel | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Score ``input_path`` (CSV, XLSX or Parquet) into the CSV ``output_path``, chunk by chunk.

    ``progress`` is called with the number of rows done after each chunk. Returns counts of rows, valid rows and
    rows with issues. Raises :class:`TableReadError` for an unreadable file or missing required columns.
    """
    model = model or load_risk_model()
    output_path = Path(output_path)
    totals = {"rows": 0, "valid": 0, "with_issues": 0}
    mapping: ColumnMapping | None = None
    with open(output_path, "w", newline="", encoding="utf-8") as out:
        for index, chunk in enumerate(read_table_chunks(input_path, chunk_rows)):
            if mapping is None:
                mapping = map_columns(list(chunk.columns))
            scored = score_frame(chunk, model, mapping)
            scored.to_csv(out, header=index == 0, index=False)
            totals["rows"] += len(scored)
            bad = int((scored["issues"] != "").sum())
            totals["with_issues"] += bad
            totals["valid"] += len(scored) - bad
            if progress:
                progress(totals["rows"])
    if totals["rows"] == 0:  # also a header without rows (the page refuses it too)
        raise TableReadError(f"{Path(input_path).name} has no rows.")
    return totals
