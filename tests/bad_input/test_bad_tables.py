"""Bad patient tables on the Cohort page and the `score-cohort` command line: each gives a plain message, no row
is lost, and a good table scored next in the same session (or the same process) still works."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from osteo_core.__main__ import main
from osteo_core.cohort.export import csv_bytes
from tests.bad_input.conftest import page_test, page_text, upload

GOOD_ROWS = 40


def good_frame(rows: int = GOOD_ROWS, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "patient_id": [f"G{i:03d}" for i in range(rows)],
        "age": rng.integers(45, 90, rows).astype(str),
        "sex": rng.choice(["female", "male"], rows),
        "weight_kg": np.round(rng.uniform(45, 110, rows), 1).astype(str),
        "height_cm": np.round(rng.uniform(150, 190, rows), 1).astype(str),
    })


def good_csv() -> bytes:
    return good_frame().to_csv(index=False).encode()


def _excel_two_sheets() -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        pd.DataFrame({"About": ["Made-up patients for a test", "No real person"]}).to_excel(
            writer, sheet_name="About", index=False)
        good_frame(12, seed=4).to_excel(writer, sheet_name="Patients", index=False)
        pd.DataFrame({"x": [1, 2]}).to_excel(writer, sheet_name="Scratch", index=False)
    return buffer.getvalue()


def _csv(frame: pd.DataFrame, **options) -> bytes:
    return frame.to_csv(index=False, **options).encode(options.pop("encoding", "utf-8"))


def _with(**changes) -> pd.DataFrame:
    frame = good_frame(8, seed=2)
    for column, values in changes.items():
        frame[column] = values
    return frame


UNICODE_IDS = ["Zoë", "Ærøskøbing-7", "患者-3", "Ñandú", "Øystein", "Łucja", "Ünal", "Ågot"]
FORMULAS = ["=1+1", "=cmd|' /C calc'!A0", "@SUM(A1:A9)", "+41-1", "-2+3", "=HYPERLINK(\"http://x\")", "ok", "\tx"]

# case: (file name, bytes, rows expected, rows with problems, a message on the page)
TABLES = {
    "missing_required_columns": ("no_weight.csv", _csv(good_frame(8).drop(columns=["weight_kg", "height_cm"])), 8,
                                 None, "No column holds `weight_kg`, `height_cm`"),
    "extra_columns": ("extra.csv", _csv(_with(**{"Body Weight": ["Normal"] * 8, "favourite_colour": ["blue"] * 8})),
                      8, 0, "Column 'Body Weight' holds words (Normal/Underweight), not a weight in kg or lb"),
    "wrong_types": ("types.csv", _csv(_with(age=["sixty", "70", "71", "72", "73", "74", "75", "76"],
                                            weight_kg=["60", "heavy", "61", "62", "63", "64", "65", "66"],
                                            sex=["female", "female", "yes", "male", "male", "male", "male", "male"])),
                    8, 3, "Rows with problems (3): kept in every export, without scores"),
    "out_of_range": ("range.csv", _csv(_with(age=["12", "70", "71", "72", "73", "74", "75", "130"],
                                             weight_kg=["60", "500", "61", "62", "63", "64", "65", "66"],
                                             height_cm=["160", "160", "50", "160", "160", "160", "160", "160"])),
                     8, 4, "Rows with problems (4): kept in every export, without scores"),
    "unicode_and_bom": ("unicode.csv", _with(patient_id=UNICODE_IDS).to_csv(index=False).encode("utf-8-sig"), 8, 0,
                        "8 rows, 5 columns."),
    "windows_1252": ("latin.csv", _with(patient_id=["Zoë", "Ñandú", "Øystein", "Ünal", "Ågot", "José", "Renée",
                                                    "Çelik"]).to_csv(index=False).encode("cp1252"), 8, 0,
                     "latin.csv is not UTF-8; it was read as Windows-1252"),
    "semicolons_and_decimal_commas": (
        "semicolon.csv", _csv(_with(weight_kg=["58,5", "60", "61", "62", "63", "64", "65", "66"]), sep=";"), 8, 1,
        "Columns are separated by semicolons."),
    "excel_several_sheets": ("book.xlsx", _excel_two_sheets(), 2, None, "The workbook has 3 sheets; reading 'About'."),
    "formula_injection": ("formulas.csv", _csv(_with(patient_id=FORMULAS, note=FORMULAS)), 8, 0,
                          "get a leading ' so spreadsheet programs do not run them as formulas"),
    "duplicate_ids": ("dupes.csv", _csv(_with(patient_id=["A", "A", "B", "C", "C", "C", "D", "E"])), 8, 0,
                      "2 id(s) appear on more than one row (all rows are kept and scored)"),
    "empty_file": ("empty.csv", b"", None, None, "empty.csv is empty. Nothing was scored."),
    "header_only": ("header.csv", b"patient_id,age,sex,weight_kg,height_cm\n", None, None,
                    "header.csv has a header but no rows. Nothing was scored."),
}


def _metric(at, label: str) -> int:
    return int(next(m.value for m in at.metric if m.label == label).replace(",", ""))


def _score(at):
    at.button(key="cohort_score").click().run()
    assert not at.exception, at.exception
    return at


@pytest.fixture()
def cohort(models_env):
    return page_test("cohort.py")


@pytest.mark.parametrize("case", list(TABLES))
def test_cohort_page_explains_the_bad_table_then_scores_a_good_one(cohort, case):
    name, data, rows, with_problems, message = TABLES[case]
    at = upload(cohort, "cohort_file", name, data)
    if case == "excel_several_sheets":
        assert message in page_text(at)
        at.selectbox(key="cohort_sheet").set_value("Patients").run()
        assert not at.exception, at.exception
        assert "12 rows, 5 columns." in page_text(at)
        _score(at)
        assert _metric(at, "Rows") == 12 and _metric(at, "Scored") == 12
    elif rows is None or with_problems is None:  # nothing can be scored: the message says why
        if rows is not None:
            _score(at)
            assert any("Cannot score: no column chosen for `weight_kg`, `height_cm`" in e.value for e in at.error)
        assert message in page_text(at), page_text(at)
        assert "cohort" not in at.session_state or at.session_state["cohort"].result is None
    else:
        _score(at)
        assert message in page_text(at) + "\n".join(e.label for e in at.expander), page_text(at)
        assert _metric(at, "Rows") == rows
        assert _metric(at, "Rows with problems") == with_problems
        assert _metric(at, "Scored") == rows - with_problems
        scored = at.session_state["cohort"].result.scored
        assert len(scored) == rows
        if case == "extra_columns":
            assert list(scored["favourite_colour"]) == ["blue"] * 8 and "Body Weight" in scored.columns
        if case == "unicode_and_bom":
            assert list(scored["patient_id"]) == UNICODE_IDS
        if case == "windows_1252":
            assert scored["patient_id"].iloc[0] == "Zoë"
        if case == "semicolons_and_decimal_commas":
            assert scored["issues"].iloc[0] == "`weight_kg` must be a number (kg). Got '58,5'."
        if case == "formula_injection":
            exported = pd.read_csv(io.BytesIO(csv_bytes(scored)), dtype=str, keep_default_na=False,
                                   encoding="utf-8-sig")
            for column in ("patient_id", "note"):
                cells = [c for c in exported[column] if c]
                assert not any(c.startswith(("=", "+", "-", "@", "\t")) for c in cells), cells
                assert "'=cmd|' /C calc'!A0" in cells
        if case == "out_of_range":
            issues = " | ".join(scored["issues"])
            for text in ("`age` must be between 18 and 110 (years). Got 12.", "Got 130.",
                         "`weight_kg` must be between 25 and 300 (kg). Got 500.", "`height_cm` must be between"):
                assert text in issues, issues
        if case == "wrong_types":
            issues = " | ".join(scored["issues"])
            assert "`weight_kg` must be a number (kg). Got 'heavy'." in issues
            assert "`sex` must be one of female, male. Got 'yes'." in issues

    upload(at, "cohort_file", "good.csv", good_csv())
    _score(at)
    assert _metric(at, "Scored") == GOOD_ROWS and _metric(at, "Rows with problems") == 0
    assert not at.error, [e.value for e in at.error]


CLI_CASES = {case: TABLES[case] for case in TABLES if case != "excel_several_sheets"}


@pytest.mark.parametrize("case", list(CLI_CASES))
def test_score_cohort_command_explains_the_bad_table_then_scores_the_next_file(models_env, tmp_path, capsys, case):
    name, data, rows, with_problems, _ = CLI_CASES[case]
    bad, good = tmp_path / name, tmp_path / "good.csv"
    bad.write_bytes(data)
    good.write_bytes(good_csv())
    code = main(["score-cohort", str(bad), "--out", str(tmp_path / "bad_out.csv")])
    err = capsys.readouterr().err
    if rows is None or with_problems is None:
        assert code == 2
        expected = {"missing_required_columns": "weight_kg", "empty_file": "empty", "header_only": "no rows"}[case]
        assert "error:" in err and expected in err, err
        assert not (tmp_path / "bad_out.csv").exists()
    else:
        assert code == 0, err
        out = pd.read_csv(tmp_path / "bad_out.csv", dtype=str, keep_default_na=False)
        assert len(out) == rows
        assert int((out["issues"] != "").sum()) == with_problems
        assert f"done: {rows:,} rows, {rows - with_problems:,} scored, {with_problems:,} with issues" in err
    assert main(["score-cohort", str(good), "--out", str(tmp_path / "good_out.csv")]) == 0
    assert len(pd.read_csv(tmp_path / "good_out.csv")) == GOOD_ROWS


@pytest.mark.slow
def test_one_million_rows_through_the_command_line(models_env, tmp_path, capsys):
    rows = 1_000_000
    rng = np.random.default_rng(42)
    age = rng.integers(40, 95, rows).astype(str)
    age[::100_000] = "abc"  # 10 bad rows, evenly spread
    frame = pd.DataFrame({"id": np.arange(rows), "age": age, "sex": rng.choice(["F", "M"], rows),
                          "weight_kg": rng.integers(40, 120, rows), "height_cm": rng.integers(145, 200, rows)})
    source = tmp_path / "million.csv"
    frame.to_csv(source, index=False)
    assert main(["score-cohort", str(source), "--out", str(tmp_path / "scored.csv")]) == 0
    assert "done: 1,000,000 rows, 999,990 scored, 10 with issues" in capsys.readouterr().err
    scored = pd.read_csv(tmp_path / "scored.csv", usecols=["id", "issues"], dtype={"issues": str},
                         keep_default_na=False)
    assert len(scored) == rows and scored["id"].is_monotonic_increasing
    bad = scored[scored["issues"] != ""]
    assert list(bad["id"]) == list(range(0, rows, 100_000))
    assert (bad["issues"] == "`age` must be a number (years). Got 'abc'.").all()
