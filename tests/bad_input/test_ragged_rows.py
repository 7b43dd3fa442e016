"""Ragged rows, unclosed quotes and late non-UTF-8 bytes (issue 14, item 7): every good row is kept, the bad one is
flagged in ``issues``, on the command line and on the page alike."""

from __future__ import annotations

import pandas as pd
import pytest

from osteo_core.__main__ import main
from osteo_core.cohort.reading import read_table
from tests.bad_input.conftest import page_test, upload

HEADER = "patient_id,age,sex,weight_kg,height_cm\n"
GOOD_LINE = "P{0},67,female,58,160\n"


def _rows(count: int, start: int = 0) -> str:
    return "".join(GOOD_LINE.format(i) for i in range(start, start + count))


RAGGED = HEADER + _rows(5) + "BAD1,67,female,58,160,extra,values\n" + _rows(5, 5) + "BAD2,67\n" + _rows(5, 10)
UNCLOSED = HEADER + _rows(5) + 'BAD3,"67,female,58,160\n' + _rows(200, 5)


@pytest.mark.parametrize("text, good, bad_rows", [(RAGGED, 15, [6, 12]), (UNCLOSED, 205, [6])])
def test_command_line_keeps_every_good_row_and_flags_the_bad_one(tmp_path, capsys, text, good, bad_rows):
    source = tmp_path / "ragged.csv"
    source.write_text(text)
    assert main(["score-cohort", str(source), "--out", str(tmp_path / "out.csv"), "--chunk-rows", "4"]) == 0
    out = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False)
    assert len(out) == good + len(bad_rows)
    flagged = out.index[out["issues"] != ""] + 1
    assert list(flagged) == bad_rows
    assert out["patient_id"].iloc[bad_rows[0] - 1].startswith("BAD")
    assert out.loc[out["issues"] != "", "osteo_risk"].eq("").all()
    assert [p for p in out["patient_id"] if p.startswith("P")] == [f"P{i}" for i in range(good)]
    assert f"{good:,} scored, {len(bad_rows)} with issues" in capsys.readouterr().err


def test_messages_name_the_row_and_the_problem():
    loaded = read_table(RAGGED.encode(), "ragged.csv")
    messages = [m for m in loaded.problems if m]
    assert messages[0].startswith("Row 6 has 7 values but the header has 5 columns")
    assert messages[1].startswith("Row 12 has 2 values")
    quoted = read_table(UNCLOSED.encode(), "q.csv")
    assert "quote" in [m for m in quoted.problems if m][0] and len(quoted.frame) == 206


def test_page_keeps_every_good_row_of_a_ragged_file(models_env):
    at = upload(page_test("cohort.py"), "cohort_file", "ragged.csv", RAGGED.encode())
    at.button(key="cohort_score").click().run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Rows"] == "17" and metrics["Rows with problems"] == "2" and metrics["Scored"] == "15"


def test_a_windows_1252_byte_after_64_kb_loses_no_row(tmp_path, capsys):
    rows = 3000  # about 100 KB
    text = HEADER + _rows(rows - 1) + "Zoë,67,female,58,160\n"
    source = tmp_path / "late.csv"
    source.write_bytes(text.encode("cp1252"))
    assert len(text) > 64 * 1024
    assert main(["score-cohort", str(source), "--out", str(tmp_path / "out.csv")]) == 0
    out = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False)
    assert len(out) == rows and out["patient_id"].iloc[-1] == "Zoë" and (out["issues"] == "").all()
    assert f"done: {rows:,} rows, {rows:,} scored" in capsys.readouterr().err
