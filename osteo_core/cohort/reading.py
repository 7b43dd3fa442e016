"""The one table reader for uploads, the command line and Dask: CSV, XLSX and Parquet, streamed in chunks.

CSV and Excel cells are read as text, so values pass through unchanged (see :mod:`osteo_core.cohort.csv_stream`
for encodings, delimiters and bad rows, :mod:`osteo_core.cohort.workbook` for Excel). Parquet keeps its types.
Every path yields :class:`TableChunk` objects: the rows, and a message for each row the reader could not parse.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

from osteo_core.errors import TableReadError
from osteo_core.i18n import _, format_decimal

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
TABLE_SUFFIXES = (*CSV_SUFFIXES, *EXCEL_SUFFIXES, ".parquet")
DEFAULT_CHUNK_ROWS = 200_000
MAX_PAGE_ROWS = 500_000  # rows the cohort page reads from one upload; the command line has no limit


@dataclass
class TableChunk:
    """Consecutive rows of a table: ``frame`` (text cells for CSV/Excel), ``start`` (0-based row of its first
    row) and ``problems`` (a message for each row the reader could not parse, "" for the others; ``None`` if none)."""

    frame: pd.DataFrame
    start: int
    problems: np.ndarray | None = None


@dataclass
class TableStream:
    """An open table: ``columns``, notes for the user, the workbook's sheets (Excel) and ``chunks``, a one-pass
    iterator of :class:`TableChunk`."""

    columns: list[str]
    chunks: Iterator[TableChunk]
    notes: list[str] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)
    sheet: str | None = None


def _opener(source: str | Path | bytes) -> Callable[[], BinaryIO]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return lambda: io.BytesIO(source)
    text = str(source)
    if "://" in text and not text.startswith("file://"):
        import fsspec

        return lambda: fsspec.open(text, "rb").open()
    return lambda: open(text, "rb")


def open_table(source: str | Path | bytes, name: str | None = None, chunk_rows: int = DEFAULT_CHUNK_ROWS,
               sheet: str | int | None = None, max_rows: int | None = None) -> TableStream:
    """Open a table (a path, an fsspec URL, or the bytes of an upload called ``name``) for streaming.

    ``sheet`` picks an Excel sheet by name or position (default: the first). Reading stops with
    :class:`TableReadError` past ``max_rows`` rows. Raises :class:`TableReadError` for a missing, empty, damaged or
    unknown file, saying which.
    """
    if chunk_rows < 1:
        raise ValueError(_("chunk_rows must be at least 1; got {value}.").format(value=chunk_rows))
    is_bytes = isinstance(source, (bytes, bytearray, memoryview))
    name = name or Path(str(source).rstrip("/")).name
    if not is_bytes and "://" not in str(source) and not Path(source).is_file():
        raise TableReadError(_("Input file {path} does not exist.").format(path=source))
    if is_bytes and not bytes(source[:65536]).strip():
        raise TableReadError(_("{name} is empty.").format(name=name))
    suffix = Path(name).suffix.lower()
    open_binary = _opener(source)
    try:
        if suffix in CSV_SUFFIXES:
            stream = _open_csv(open_binary, name, chunk_rows)
        elif suffix in EXCEL_SUFFIXES:
            stream = _open_excel(open_binary, name, chunk_rows, sheet)
        elif suffix == ".parquet":
            stream = _open_parquet(open_binary, name, chunk_rows, max_rows)
        else:
            text = (_("Unsupported file type '{kind}'. Use .csv, .xlsx or .parquet. Save it as .xlsx or .csv first.")
                    if suffix == ".xls" else _("Unsupported file type '{kind}'. Use .csv, .xlsx or .parquet."))
            raise TableReadError(text.format(kind=suffix or name))
    except TableReadError:
        raise
    except (ValueError, OSError, KeyError, ImportError) as exc:  # pyarrow/openpyxl errors on broken files
        raise TableReadError(_("Cannot read {name}: {error}").format(name=name, error=exc)) from exc
    if not stream.columns:
        raise TableReadError(_("{name} has no columns.").format(name=name))
    stream.chunks = _guarded(stream.chunks, name, max_rows)
    return stream


def _guarded(chunks: Iterator[TableChunk], name: str, max_rows: int | None) -> Iterator[TableChunk]:
    """The chunks, with read errors as :class:`TableReadError` and the row limit enforced."""
    try:
        for chunk in chunks:
            if max_rows is not None and chunk.start + len(chunk.frame) > max_rows:
                raise TableReadError(_("{name} has more than {limit} rows, the limit for one upload here. Score it "
                                       "with the command line (`python -m osteo_core score-cohort`), which streams "
                                       "any size.").format(name=name, limit=format_decimal(max_rows, 0)))
            yield chunk
    except TableReadError:
        raise
    except (ValueError, OSError, KeyError, UnicodeDecodeError) as exc:
        raise TableReadError(_("Cannot read {name}: {error}").format(name=name, error=exc)) from exc


def _numbered(frames: Iterator[tuple[pd.DataFrame, np.ndarray | None]]) -> Iterator[TableChunk]:
    start = 0
    for frame, problems in frames:
        frame.index = pd.RangeIndex(start, start + len(frame))
        yield TableChunk(frame, start, problems)
        start += len(frame)


def _open_csv(open_binary, name: str, chunk_rows: int) -> TableStream:
    from osteo_core.cohort.csv_stream import csv_chunks, read_layout

    layout = read_layout(open_binary, name)
    return TableStream(layout.columns, _numbered(csv_chunks(open_binary, layout, chunk_rows)), layout.notes)


def _open_excel(open_binary, name: str, chunk_rows: int, sheet: str | int | None) -> TableStream:
    from osteo_core.cohort.workbook import Workbook

    with open_binary() as handle:
        data = io.BytesIO(handle.read())
    book = Workbook(data, name)
    chosen = book.sheets[0] if sheet is None else sheet if isinstance(sheet, str) else book.sheets[sheet]
    if chosen not in book.sheets:
        raise TableReadError(_("{name} has no sheet '{sheet}'. Sheets: {sheets}.").format(
            name=name, sheet=chosen, sheets=", ".join(book.sheets)))
    columns, positions, notes = book.columns(chosen)
    if len(book.sheets) > 1:
        notes.insert(0, _("The workbook has {count} sheets; reading '{sheet}'.").format(count=len(book.sheets),
                                                                                        sheet=chosen))
    frames = ((frame, None) for frame in book.chunks(chosen, positions, columns, chunk_rows))
    return TableStream(columns, _numbered(frames), notes, book.sheets, chosen)


def _open_parquet(open_binary, name: str, chunk_rows: int, max_rows: int | None) -> TableStream:
    import pyarrow.parquet as pq

    handle = open_binary()
    parquet = pq.ParquetFile(handle)
    rows = parquet.metadata.num_rows
    if max_rows is not None and rows > max_rows:
        raise TableReadError(_("{name} has {rows} rows; the limit for one upload here is {limit}. Score it with the "
                               "command line (`python -m osteo_core score-cohort`), which streams any size.").format(
                                   name=name, rows=format_decimal(rows, 0), limit=format_decimal(max_rows, 0)))

    def frames():
        with handle:
            for batch in parquet.iter_batches(batch_size=chunk_rows):
                yield batch.to_pandas(), None

    return TableStream([str(c) for c in parquet.schema_arrow.names], _numbered(frames()))


@dataclass
class LoadedTable:
    """A whole table read from an upload: its rows, notes for the user (current language), the workbook's sheets
    (Excel only), and
    the reader's message for each row it could not parse ("" for the others; ``None`` when every row was read)."""

    frame: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)
    sheet: str | None = None
    problems: np.ndarray | None = None


def read_table(data: bytes, name: str, sheet: str | int | None = None,
               max_rows: int | None = MAX_PAGE_ROWS) -> LoadedTable:
    """Read the bytes of an uploaded file called ``name`` into one DataFrame (at most ``max_rows`` rows).

    Raises :class:`TableReadError` for an empty file, a file with no rows, too many rows, an unknown type or
    unreadable content, saying which.
    """
    stream = open_table(data, name, sheet=sheet, max_rows=max_rows)
    chunks = list(stream.chunks)
    if not chunks:
        raise TableReadError(_("{name} has a header but no rows.").format(name=name))
    frame = pd.concat([c.frame for c in chunks]) if len(chunks) > 1 else chunks[0].frame
    problems = None
    if any(c.problems is not None for c in chunks):
        problems = np.concatenate([c.problems if c.problems is not None else np.full(len(c.frame), "", object)
                                   for c in chunks])
        bad = int((problems != "").sum())
        stream.notes.append(_("{count} row(s) could not be read as the header says (a stray separator or quote); "
                              "they are kept and listed with the rows with problems.").format(
                                  count=format_decimal(bad, 0)))
    duplicated = [c for c in frame.columns if isinstance(c, str) and c.rsplit(".", 1)[0] in frame.columns
                  and c.rsplit(".", 1)[-1].isdigit()]
    if duplicated:
        stream.notes.append(_("Some column names appear more than once; later copies were renamed: {columns}.").format(
            columns=", ".join(f"'{c}'" for c in duplicated)))
    return LoadedTable(frame, stream.notes, stream.sheets, stream.sheet, problems)
