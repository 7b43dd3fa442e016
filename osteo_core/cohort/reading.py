"""Read a whole uploaded table (CSV, XLSX, Parquet) from bytes, for the cohort page.

CSV cells are read as text, so values pass through unchanged; delimiters (comma, semicolon, tab) are sniffed and a
UTF-8 byte-order mark is removed. Files that are not UTF-8 are read as Windows-1252, with a note saying so.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from osteo_core.errors import TableReadError

TABLE_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".parquet")


@dataclass
class LoadedTable:
    """A table read from a file: its rows, notes for the user, and the workbook's sheet names (Excel only)."""

    frame: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)
    sheet: str | None = None


def sniff_delimiter(head: str) -> str:
    """The most frequent of comma, semicolon and tab in the first line of ``head``."""
    lines = head.splitlines()
    first = lines[0] if lines else ""
    return max([",", ";", "\t"], key=first.count)


def read_table(data: bytes, name: str, sheet: str | int | None = None) -> LoadedTable:
    """Read ``data`` (the bytes of a file called ``name``) into a DataFrame.

    ``sheet`` picks an Excel sheet by name or position (default: the first). Raises :class:`TableReadError` for an
    empty file, a file with no rows, an unknown type or unreadable content, saying which.
    """
    suffix = Path(name).suffix.lower()
    if not data or not data.strip():
        raise TableReadError(f"{name} is empty.")
    try:
        if suffix in (".csv", ".txt", ".tsv"):
            loaded = _read_csv(data, name)
        elif suffix in (".xlsx", ".xlsm"):
            loaded = _read_excel(data, name, sheet)
        elif suffix == ".parquet":
            loaded = LoadedTable(pd.read_parquet(io.BytesIO(data)))
        else:
            raise TableReadError(f"Unsupported file type '{suffix or name}'. Use .csv, .xlsx or .parquet.")
    except TableReadError:
        raise
    except (ValueError, OSError, KeyError, ImportError) as exc:  # pandas/pyarrow/openpyxl parse errors
        raise TableReadError(f"Cannot read {name}: {exc}") from exc
    if len(loaded.frame.columns) == 0 or len(loaded.frame) == 0:
        raise TableReadError(f"{name} has a header but no rows." if len(loaded.frame.columns) else
                             f"{name} has no columns.")
    duplicated = [c for c in loaded.frame.columns if isinstance(c, str) and c.rsplit(".", 1)[0] in
                  loaded.frame.columns and c.rsplit(".", 1)[-1].isdigit()]
    if duplicated:
        loaded.notes.append("Some column names appear more than once; later copies were renamed: "
                            + ", ".join(f"'{c}'" for c in duplicated) + ".")
    return loaded


def _read_csv(data: bytes, name: str) -> LoadedTable:
    notes = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
        notes.append(f"{name} is not UTF-8; it was read as Windows-1252 (Western European). Check accented "
                     "names in the results.")
    delimiter = sniff_delimiter(text[:65536])
    if delimiter != ",":
        notes.append(f"Columns are separated by {'semicolons' if delimiter == ';' else 'tabs'}.")
    frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False)
    return LoadedTable(frame, notes)


def _read_excel(data: bytes, name: str, sheet: str | int | None) -> LoadedTable:
    workbook = pd.ExcelFile(io.BytesIO(data))
    sheets = [str(s) for s in workbook.sheet_names]
    chosen = sheets[0] if sheet is None else sheet if isinstance(sheet, str) else sheets[sheet]
    if chosen not in sheets:
        raise TableReadError(f"{name} has no sheet '{chosen}'. Sheets: {', '.join(sheets)}.")
    frame = workbook.parse(chosen)
    notes = [f"The workbook has {len(sheets)} sheets; reading '{chosen}'."] if len(sheets) > 1 else []
    return LoadedTable(frame, notes, sheets, chosen)
