"""Excel workbooks (.xlsx, .xlsm) read row by row in openpyxl's read-only mode, within a cell budget.

A sheet whose header reaches far to the right (up to column XFD) would pad every row to 16,384 cells; only the
named header columns are read, and when they spread over more than ``WIDE_SHEET_COLUMNS`` columns only the ones the
scoring can use (patient fields, id, outcome). Every cell is returned as text, as for CSV.
"""

from __future__ import annotations

import datetime as dt
import zipfile
import zlib
from collections.abc import Iterator
from typing import BinaryIO

import pandas as pd

from osteo_core.errors import TableReadError
from osteo_core.i18n import _, format_decimal

MAX_CELLS = 30_000_000  # cells read from one sheet (rows × columns read)
MAX_SHEET_XML_BYTES = 512 * 1024**2  # uncompressed size of all members of the workbook
WIDE_SHEET_COLUMNS = 1_000


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return str(pd.Timestamp(value))
    return str(value)


def _broken(name: str, exc: Exception) -> TableReadError:
    return TableReadError(_("Cannot read {name}: the workbook is damaged or truncated ({error}). Open it in Excel and "
                            "save it again, or export the sheet as CSV.").format(
                                name=name, error=f"{type(exc).__name__}: {exc}"))


class Workbook:
    """One workbook: its sheet names, a chosen sheet's header, and that sheet's rows in chunks."""

    def __init__(self, handle: BinaryIO, name: str):
        from openpyxl import load_workbook

        self.name = name
        try:
            with zipfile.ZipFile(handle) as archive:
                unpacked = sum(member.file_size for member in archive.infolist())
                broken = archive.testzip()
            if broken is not None:
                raise zipfile.BadZipFile(f"member {broken} fails its checksum")
            if unpacked > MAX_SHEET_XML_BYTES:
                raise TableReadError(_("{name} unpacks to {size} MB; the limit is {limit} MB. Export the sheet as "
                                       "CSV.").format(name=name, size=format_decimal(unpacked / 1024**2, 0),
                                                      limit=format_decimal(MAX_SHEET_XML_BYTES / 1024**2, 0)))
            handle.seek(0)
            self.book = load_workbook(handle, read_only=True, data_only=True)
        except TableReadError:
            raise
        except (zipfile.BadZipFile, zlib.error, KeyError, EOFError, OSError, ValueError) as exc:
            raise _broken(name, exc) from exc
        self.sheets = [str(s) for s in self.book.sheetnames]

    def columns(self, sheet: str) -> tuple[list[str], list[int], list[str]]:
        """(column names read, their 0-based positions, notes) for ``sheet``."""
        from osteo_core.cohort.columns import ID_NAMES, OUTCOME_NAMES, map_columns, normalise_name
        from osteo_core.cohort.csv_stream import unique_names

        rows = self.book[sheet].iter_rows(min_row=1, max_row=1, values_only=True)
        header = next(rows, ())
        named = [(i, _text(v)) for i, v in enumerate(header) if _text(v).strip()]
        if not named:
            return [], [], []
        notes = []
        if named[-1][0] + 1 > WIDE_SHEET_COLUMNS:
            names = [n for _, n in named]
            mapping = map_columns(names)
            extra = set(ID_NAMES) | set(OUTCOME_NAMES)
            named = [(i, n) for i, n in named if n in mapping.mapping or normalise_name(n) in extra]
            notes.append(_("The sheet's header reaches column {count}; only the columns the scoring uses were read: "
                           "{columns}.").format(count=format_decimal(len(header), 0),
                                                columns=", ".join(f"'{n}'" for _i, n in named)))
        else:
            named = [(i, _text(v)) for i, v in enumerate(header[: named[-1][0] + 1])]
        return unique_names([n for _, n in named]), [i for i, _ in named], notes

    def chunks(self, sheet: str, positions: list[int], columns: list[str], chunk_rows: int
               ) -> Iterator[pd.DataFrame]:
        """The rows under the header as text frames of ``chunk_rows`` rows. Raises :class:`TableReadError` when
        the sheet holds more than ``MAX_CELLS`` cells in the columns read, or is damaged."""
        if not positions:
            return
        width = positions[-1] + 1
        budget = MAX_CELLS // max(width, 1)
        rows: list[list[str]] = []
        try:
            for number, row in enumerate(self.book[sheet].iter_rows(min_row=2, max_col=width, values_only=True)):
                if number >= budget:
                    raise TableReadError(_("{name} holds more than {limit} cells in the columns read ({width} "
                                           "columns wide); export the sheet as CSV and use the command line.").format(
                                               name=self.name, limit=format_decimal(MAX_CELLS, 0),
                                               width=format_decimal(width, 0)))
                if all(v is None for v in row):
                    continue
                rows.append([_text(row[i]) if i < len(row) else "" for i in positions])
                if len(rows) == chunk_rows:
                    yield _frame(rows, columns)
                    rows = []
        except TableReadError:
            raise
        except (zipfile.BadZipFile, zlib.error, KeyError, EOFError, OSError, ValueError) as exc:
            raise _broken(self.name, exc) from exc
        if rows:
            yield _frame(rows, columns)


def _frame(rows: list[list[str]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.array([r[i] for r in rows], dtype="str") for i, c in enumerate(columns)},
                        columns=columns)
