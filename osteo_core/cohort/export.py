"""Exports of a scored cohort: CSV safe for spreadsheet programs, Parquet, and a one-page HTML summary.

Formula injection: a spreadsheet evaluates a text cell starting with ``=``, ``+``, ``-`` or ``@`` (and some read tab
and carriage return the same way). In CSV exports such cells get a leading apostrophe, which spreadsheets show as
text. Plain numbers such as ``-1`` or ``+2.5`` are left alone, and numeric columns are never changed.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from osteo_core.i18n import current_language

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` where text cells that a spreadsheet would run as a formula start with ``'``."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
            continue
        text = series.astype("string")
        risky = text.str.startswith(FORMULA_START).fillna(False) & ~text.str.fullmatch(_PLAIN_NUMBER).fillna(False)
        if risky.any():
            series = series.astype(object).copy()
            series[risky.to_numpy()] = "'" + text[risky].astype(object)
            out[column] = series
    safe_names = {c: "'" + str(c) if str(c).startswith(FORMULA_START) and not _PLAIN_NUMBER.match(str(c)) else c
                  for c in out.columns}
    return out.rename(columns=safe_names)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV (with a byte-order mark, so Excel shows accents correctly), formulas neutralised."""
    return neutralise_formulas(frame).to_csv(index=False).encode("utf-8-sig")


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as Parquet (typed columns; no formula risk since nothing is evaluated)."""
    buffer = io.BytesIO()
    clean = frame.copy()
    clean.columns = [str(c) for c in clean.columns]
    clean.to_parquet(buffer, index=False)
    return buffer.getvalue()


def summary_html(title: str, facts: Sequence[str], figures: Sequence[tuple[str, go.Figure]],
                 tables: Sequence[tuple[str, pd.DataFrame]], footer: str) -> str:
    """A self-contained one-page HTML report: a title, bullet facts, charts (plotly, interactive, works offline)
    and tables."""
    parts = [f"<!doctype html><html lang='{current_language()}'><head><meta charset='utf-8'>"
             f"<title>{html.escape(title)}</title>",
             "<style>body{font-family:sans-serif;max-width:1100px;margin:auto;color:#1c2833}"
             "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px}"
             ".grid{display:grid;grid-template-columns:1fr 1fr;gap:8px}</style></head><body>",
             f"<h1>{html.escape(title)}</h1><ul>"]
    parts += [f"<li>{html.escape(fact)}</li>" for fact in facts]
    parts.append("</ul><div class='grid'>")
    for index, (caption, figure) in enumerate(figures):
        body = figure.to_html(full_html=False, include_plotlyjs=index == 0, default_height="340px")
        parts.append(f"<div><h3>{html.escape(caption)}</h3>{body}</div>")
    parts.append("</div>")
    for caption, table in tables:
        parts.append(f"<h3>{html.escape(caption)}</h3>{table.to_html(index=False, na_rep='', escape=True)}")
    parts.append(f"<p><small>{html.escape(footer)}</small></p></body></html>")
    return "".join(parts)
