"""CSV files streamed in chunks of text cells: encoding found on the whole stream, delimiter sniffed, bad rows kept.

The fast path is pyarrow's streaming CSV reader. When it meets a row it cannot parse (a ragged row, an unclosed
quote), the rows it has already handed out are kept and reading carries on from there with a tolerant line reader
that keeps every good row and returns each bad one padded or cut to the header's width with a message. Row numbers
in messages count data rows from 1 (the header is row 0).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
import pandas as pd

from osteo_core.errors import TableReadError
from osteo_core.i18n import _

Opener = Callable[[], BinaryIO]
_SCAN_BYTES = 1 << 20
MAX_QUOTED_LINES = 50  # a quoted value may span this many lines; a longer one is an unclosed quote


@dataclass
class CsvLayout:
    """What a CSV file looks like: ``columns`` (duplicates renamed ``name.1``), ``delimiter``, ``encoding`` and
    notes for the user (encoding, delimiter), in the current language."""

    columns: list[str]
    delimiter: str
    encoding: str
    notes: list[str]


def detect_encoding(open_binary: Opener, name: str) -> tuple[str, list[str]]:
    """The encoding of the whole stream: UTF-8 (byte-order mark allowed), else Windows-1252, else Latin-1."""
    for encoding in ("utf-8-sig", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with open_binary() as handle:
                while block := handle.read(_SCAN_BYTES):
                    decoder.decode(block)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8-sig":
            return encoding, []
        return encoding, [_("{name} is not UTF-8; it was read as Windows-1252 (Western European). Check accented "
                            "names in the results.").format(name=name)]
    return "latin-1", [_("{name} is neither UTF-8 nor Windows-1252; it was read as Latin-1. Check accented names "
                         "in the results.").format(name=name)]


def sniff_delimiter(head: str) -> str:
    """The most frequent of comma, semicolon and tab in the first line of ``head``."""
    lines = head.splitlines()
    first = lines[0] if lines else ""
    return max([",", ";", "\t"], key=first.count)


def unique_names(names: list[str]) -> list[str]:
    """Column names made unique as pandas does (``age``, ``age.1``); empty names become ``Unnamed: i``."""
    seen: dict[str, int] = {}
    result = []
    for index, raw in enumerate(names):
        name = raw if raw != "" else f"Unnamed: {index}"
        if name in seen:
            count = seen[name]
            while f"{name}.{count}" in seen:
                count += 1
            seen[name] = count + 1
            name = f"{name}.{count}"
        seen[name] = seen.get(name, 0) + (0 if name in seen else 1)
        result.append(name)
    return result


def read_layout(open_binary: Opener, name: str) -> CsvLayout:
    """Encoding, delimiter and header of a CSV file. Raises :class:`TableReadError` for an empty file."""
    encoding, notes = detect_encoding(open_binary, name)
    with open_binary() as handle:
        head = handle.read(64 * 1024).decode(encoding, errors="replace")
    if head.startswith("\ufeff"):
        head = head[1:]
    if not head.strip():
        raise TableReadError(_("{name} is empty.").format(name=name))
    delimiter = sniff_delimiter(head)
    if delimiter != ",":
        notes.append(_("Columns are separated by semicolons.") if delimiter == ";"
                     else _("Columns are separated by tabs."))
    header = next(csv.reader(io.StringIO(head, newline=""), delimiter=delimiter), [])
    return CsvLayout(unique_names(header), delimiter, encoding, notes)


def csv_chunks(open_binary: Opener, layout: CsvLayout, chunk_rows: int
               ) -> Iterator[tuple[pd.DataFrame, np.ndarray | None]]:
    """Yield (text frame, row problems or ``None``) of about ``chunk_rows`` rows each, in file order.

    ``problems`` holds a message for each bad row ("" for good rows); bad rows hold the values that could be read.
    """
    emitted = 0
    try:
        for frame in _arrow_chunks(open_binary, layout, chunk_rows):
            emitted += len(frame)
            yield frame, None
        return
    except _UnparsableRowError:
        pass
    yield from _tolerant_chunks(open_binary, layout, chunk_rows, skip=emitted)


class _UnparsableRowError(Exception):
    """pyarrow met a row it cannot parse; the rows already yielded are good."""


def _arrow_chunks(open_binary: Opener, layout: CsvLayout, chunk_rows: int) -> Iterator[pd.DataFrame]:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    bad: list[int] = []

    def on_bad_row(row) -> str:
        bad.append(row.number or 0)
        return "skip"

    encoding = "utf8" if layout.encoding == "utf-8-sig" else layout.encoding
    options = dict(
        read_options=pcsv.ReadOptions(column_names=layout.columns, skip_rows=1, encoding=encoding,
                                      block_size=4 << 20),
        parse_options=pcsv.ParseOptions(delimiter=layout.delimiter, newlines_in_values=True,
                                        invalid_row_handler=on_bad_row),
        convert_options=pcsv.ConvertOptions(column_types={c: pa.string() for c in layout.columns},
                                            strings_can_be_null=False, quoted_strings_can_be_null=False))
    pending: list = []
    rows = 0
    with open_binary() as handle:
        try:
            reader = pcsv.open_csv(handle, **options)
            for batch in reader:
                if bad:
                    raise _UnparsableRowError
                pending.append(batch)
                rows += batch.num_rows
                while rows >= chunk_rows:
                    table = pa.Table.from_batches(pending)
                    yield table.slice(0, chunk_rows).to_pandas()
                    rest = table.slice(chunk_rows)
                    pending, rows = rest.to_batches(), rest.num_rows
        except pa.ArrowInvalid as exc:
            raise _UnparsableRowError from exc
    if bad:
        raise _UnparsableRowError
    if rows:
        yield pa.Table.from_batches(pending).to_pandas()


def _records(text: io.TextIOBase, fits: Callable[[str], bool]) -> Iterator[str]:
    """Physical lines joined into records: a line with an unbalanced quote takes the following lines until the
    quote closes (at most ``MAX_QUOTED_LINES``) if the joined record ``fits`` the header; otherwise the line stands
    alone (and is reported as bad) and the following lines are read again."""
    lines = iter(text)
    pushed: list[str] = []  # lines to read again, next one last
    while True:
        line = pushed.pop() if pushed else next(lines, None)
        if line is None:
            return
        if line.count('"') % 2 == 0:
            yield line
            continue
        joined, closed = [line], False
        while len(joined) <= MAX_QUOTED_LINES:
            more = pushed.pop() if pushed else next(lines, None)
            if more is None:
                break
            joined.append(more)
            if more.count('"') % 2 == 1:
                closed = True
                break
        record = "".join(joined)
        if closed and fits(record):
            yield record
        else:
            pushed.extend(reversed(joined[1:]))
            yield line


def _tolerant_chunks(open_binary: Opener, layout: CsvLayout, chunk_rows: int, skip: int
                     ) -> Iterator[tuple[pd.DataFrame, np.ndarray | None]]:
    width = len(layout.columns)
    with open_binary() as handle:
        text = io.TextIOWrapper(handle, encoding=layout.encoding, errors="replace", newline="")
        records = _records(text, lambda record: len(_fields(record, layout.delimiter)) == width)
        next(records, None)  # the header
        rows: list[list[str]] = []
        problems: list[str] = []
        number = 0
        for record in records:
            if not record.strip("\r\n"):
                continue
            number += 1
            if number <= skip:
                continue
            fields = _fields(record, layout.delimiter)
            message = ""
            if len(fields) != width or (record.count('"') % 2 == 1):
                message = _bad_row_message(number, len(fields), width, record.count('"') % 2 == 1)
                fields = (fields + [""] * width)[:width]
            rows.append(fields)
            problems.append(message)
            if len(rows) == chunk_rows:
                yield _tolerant_frame(rows, layout.columns, problems)
                rows, problems = [], []
        if rows:
            yield _tolerant_frame(rows, layout.columns, problems)


def _fields(record: str, delimiter: str) -> list[str]:
    return next(csv.reader([record.rstrip("\r\n")], delimiter=delimiter), [])


def _bad_row_message(number: int, found: int, width: int, unclosed_quote: bool) -> str:
    if unclosed_quote:
        return _("Row {row} has a quote (\") that is never closed, so its values cannot be read reliably; it was "
                 "not scored. Fix the quote in the file.").format(row=number)
    return _("Row {row} has {found} values but the header has {width} columns (a stray separator or a missing "
             "value?); it was not scored.").format(row=number, found=found, width=width)


def _tolerant_frame(rows: list[list[str]], columns: list[str], problems: list[str]
                    ) -> tuple[pd.DataFrame, np.ndarray | None]:
    data = {column: pd.array([row[i] for row in rows], dtype="str") for i, column in enumerate(columns)}
    flags = np.array(problems, dtype=object)
    return pd.DataFrame(data, columns=columns), (flags if (flags != "").any() else None)
