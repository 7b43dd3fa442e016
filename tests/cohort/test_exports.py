"""Exports: formula injection neutralised in CSV, numbers untouched, Parquet round trip, HTML summary."""

import io

import pandas as pd
import plotly.graph_objects as go

from osteo_core.cohort.export import csv_bytes, neutralise_formulas, parquet_bytes, summary_html


def test_formula_cells_are_neutralised_and_numbers_kept():
    frame = pd.DataFrame({
        "note": ["=cmd|'/c calc'!A1", "+SUM(A1)", "-2+3", "@import", "\tTAB", "-1", "+2.5", "plain", "a=b", None],
        "ost_index": pd.array([-1, 2, None, -3, 0, 1, 2, 3, 4, 5], dtype="Int64"),
    })
    safe = neutralise_formulas(frame)
    assert safe["note"].tolist()[:8] == ["'=cmd|'/c calc'!A1", "'+SUM(A1)", "'-2+3", "'@import", "'\tTAB", "-1",
                                         "+2.5", "plain"]
    assert safe["note"].iloc[8] == "a=b" and pd.isna(safe["note"].iloc[9])
    assert safe["ost_index"].tolist()[:2] == [-1, 2]
    assert frame["note"].iloc[0] == "=cmd|'/c calc'!A1"  # the input is not changed


def test_csv_export_has_no_cell_starting_with_a_formula_character():
    frame = pd.DataFrame({"=name": ["=1+1", "x"], "n": [-5, 3]})
    text = csv_bytes(frame).decode("utf-8-sig")
    back = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    assert list(back.columns) == ["'=name", "n"]
    cells = back["'=name"].tolist()
    assert cells == ["'=1+1", "x"] and back["n"].tolist() == ["-5", "3"]


def test_parquet_export_round_trips():
    frame = pd.DataFrame({"a": ["=x", "ü"], "risk": [0.1, None], "flag": pd.array([1, None], dtype="Int64")})
    back = pd.read_parquet(io.BytesIO(parquet_bytes(frame)))
    pd.testing.assert_frame_equal(back, frame, check_dtype=False)


def test_summary_html_holds_facts_charts_and_escaped_tables():
    html = summary_html("Cohort <summary>", ["10 rows"], [("Risk", go.Figure(go.Bar(x=[1], y=[2])))],
                        [("Table", pd.DataFrame({"a": ["<script>"]}))], "footer")
    assert "Cohort &lt;summary&gt;" in html and "<li>10 rows</li>" in html
    assert "plotly" in html.lower() and "&lt;script&gt;" in html and "<script>alert" not in html
