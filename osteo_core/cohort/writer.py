"""Write scored chunks as CSV, byte for byte what ``DataFrame.to_csv(index=False)`` writes, several times faster.

Text, integer, nullable-integer, float and boolean columns are formatted column-wise (pyarrow compute, NumPy's
float formatting, which pandas also uses); any other column type falls back to pandas for that chunk. Cells are
quoted as pandas (Python 3.11 csv, ``QUOTE_MINIMAL``) does: when they hold the delimiter, a quote or ``\\n``.
"""

from __future__ import annotations

from typing import BinaryIO

import numpy as np
import pandas as pd

_NEEDS_QUOTES = r'[,"\n]'
_QUOTE_BYTES = (b",", b'"', b"\n")


def _quoted(strings):
    import pyarrow.compute as pc

    data = strings.buffers()[2]
    raw = b"" if data is None else data.to_pybytes()
    if not any(byte in raw for byte in _QUOTE_BYTES):
        return strings  # the common case: no cell of the column needs quotes
    needs = pc.match_substring_regex(strings, _NEEDS_QUOTES)
    escaped = pc.binary_join_element_wise('"', pc.replace_substring(strings, '"', '""'), '"', "")
    return pc.if_else(needs, escaped, strings)


def _column_text(series: pd.Series):
    """The column as a pyarrow string array of CSV cells, or ``None`` for a type this writer does not handle."""
    import pyarrow as pa
    import pyarrow.compute as pc

    dtype = series.dtype
    if isinstance(dtype, pd.StringDtype) or dtype.kind == "O":
        try:
            strings = pa.array(series.array if isinstance(dtype, pd.StringDtype) else series.to_numpy(),
                               type=pa.string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return None  # mixed objects: pandas writes str() of each
        if isinstance(strings, pa.ChunkedArray):
            strings = strings.combine_chunks()
        return _quoted(pc.fill_null(strings, ""))
    if isinstance(dtype, pd.Int64Dtype) or isinstance(dtype, pd.BooleanDtype):
        values = pa.array(series.array, from_pandas=True)
        text = pc.cast(values, pa.string())
        if isinstance(dtype, pd.BooleanDtype):
            text = pc.if_else(values, "True", "False")
        return pc.fill_null(text, "")
    if dtype.kind in "iub":
        return pa.array(series.to_numpy().astype(str), type=pa.string())
    if dtype.kind == "f" and dtype.itemsize == 8:
        return _float_text(series.to_numpy())
    return None


def _float_text(values: np.ndarray):
    """Floats as NumPy's ``astype(str)`` writes them (shortest round trip; ``1.0``, ``1e-05``, ``1e+16``), NaN as
    "". pyarrow gives the same digits and notation in [1e-4, 1e9) except for ``.0``; other values go through NumPy."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pc.cast(pa.array(values), pa.string())
    magnitude = np.abs(values)
    plain = (magnitude >= 1e-4) & (magnitude < 1e9) | (magnitude == 0)
    whole = plain & (values == np.floor(values))
    if whole.any():
        text = pc.if_else(pa.array(whole), pc.binary_join_element_wise(text, ".0", ""), text)
    other = ~plain & ~np.isnan(values)
    if other.any():
        replaced = np.asarray(text.to_numpy(zero_copy_only=False), dtype=object)
        replaced[other] = values[other].astype(str)
        text = pa.array(replaced, type=pa.string())
    return pc.if_else(pa.array(np.isnan(values)), "", text)


def csv_chunk_bytes(frame: pd.DataFrame, header: bool) -> bytes:
    """The UTF-8 bytes ``frame.to_csv(index=False, header=header)`` would write (``\\n`` line ends)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = [_column_text(frame[name]) if frame.columns.is_unique else None for name in frame.columns]
    if len(frame.columns) < 2 or len(frame) == 0 or any(c is None for c in columns):
        return frame.to_csv(index=False, header=header, lineterminator="\n").encode("utf-8")
    columns[-1] = pc.binary_join_element_wise(columns[-1], "", "\n")  # the line end
    lines = pc.binary_join_element_wise(*columns, ",")
    body = pa.concat_arrays([lines]).buffers()
    offsets = np.frombuffer(body[1], dtype=np.int32, count=len(lines) + 1)
    data = body[2].to_pybytes()[offsets[0]:offsets[-1]]
    if not header:
        return data
    names = pa.array([str(c) for c in frame.columns], type=pa.string())
    return (",".join(_quoted(names).to_pylist()) + "\n").encode("utf-8") + data


def write_csv_chunk(frame: pd.DataFrame, handle: BinaryIO, header: bool) -> None:
    """Append ``frame`` to the binary ``handle`` as CSV (see :func:`csv_chunk_bytes`)."""
    handle.write(csv_chunk_bytes(frame, header))
