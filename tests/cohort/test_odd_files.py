"""Odd and huge files: BOM, semicolons, unicode, other encodings, duplicate ids and names, Excel with several
sheets, empty and garbage files, and a file streamed in many chunks with no row lost."""

import io

import pandas as pd
import pytest

from osteo_core.__main__ import main
from osteo_core.clinical.risk_model import load_risk_model
from osteo_core.cohort.reading import read_table
from osteo_core.cohort.score import score_file, score_table
from osteo_core.cohort.view import counts, duplicate_ids, filter_results, issues_table
from osteo_core.errors import TableReadError

CSV = "id;Age;Sex;Weight_kg;Height_cm;note\n1;67;F;58;160;Zoë Ørsted\n2;45;male;90;180;日本\n1;12;f;50;155;dup\n"


def test_semicolons_bom_and_unicode_are_read_unchanged():
    loaded = read_table(("\ufeff" + CSV).encode("utf-8"), "t.csv")
    assert list(loaded.frame.columns) == ["id", "Age", "Sex", "Weight_kg", "Height_cm", "note"]
    assert loaded.frame["note"].tolist() == ["Zoë Ørsted", "日本", "dup"]
    assert any("semicolons" in n for n in loaded.notes)


def test_windows_1252_file_is_read_with_a_note():
    loaded = read_table(CSV.replace("日本", "x").encode("cp1252"), "t.csv")
    assert loaded.frame.loc[0, "note"] == "Zoë Ørsted"
    assert any("Windows-1252" in n for n in loaded.notes)


def test_duplicate_ids_are_kept_scored_and_reported():
    frame = read_table(CSV.encode(), "t.csv").frame
    result = score_table(frame, load_risk_model())
    assert counts(result.scored) == {"rows": 3, "scored": 2, "with_issues": 1}
    assert duplicate_ids(result.scored, "id").to_dict("records") == [{"id": "1", "rows": 2}]
    problems = issues_table(result.scored, "id")
    assert problems["row"].tolist() == [3] and "`age` must be between 18 and 110" in problems.loc[0, "problems"]


def test_duplicate_column_names_are_renamed_with_a_note():
    loaded = read_table(b"age,age,sex,weight_kg,height_cm\n60,61,f,60,160\n", "t.csv")
    assert list(loaded.frame.columns)[:2] == ["age", "age.1"]
    assert any("more than once" in n for n in loaded.notes)


def test_excel_with_several_sheets_reads_the_chosen_sheet(synthetic_cohort):
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer) as writer:
        pd.DataFrame({"readme": ["not data"]}).to_excel(writer, sheet_name="About", index=False)
        synthetic_cohort.to_excel(writer, sheet_name="Patients", index=False)
    first = read_table(buffer.getvalue(), "book.xlsx")
    assert first.sheets == ["About", "Patients"] and first.sheet == "About"
    assert any("2 sheets" in n for n in first.notes)
    chosen = read_table(buffer.getvalue(), "book.xlsx", sheet="Patients")
    assert len(chosen.frame) == 6 and "patient_id" in chosen.frame
    with pytest.raises(TableReadError, match="no sheet 'Missing'"):
        read_table(buffer.getvalue(), "book.xlsx", sheet="Missing")


@pytest.mark.parametrize("data, name, message", [
    (b"", "t.csv", "empty"),
    (b"   \n", "t.csv", "empty"),
    (b"age,sex\n", "t.csv", "no rows"),
    (b"PAR1garbage", "t.parquet", "Cannot read t.parquet"),
    (b"not a workbook", "t.xlsx", "Cannot read t.xlsx"),
    (b"a,b\n1,2\n", "t.json", "Unsupported file type"),
])
def test_bad_files_give_a_clear_error(data, name, message):
    with pytest.raises(TableReadError, match=message):
        read_table(data, name)


def test_garbage_csv_without_required_columns_is_refused_by_the_cli(tmp_path, capsys):
    source = tmp_path / "garbage.csv"
    source.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00garbage;;;\n1;2;3\n")
    assert main(["score-cohort", str(source), "--out", str(tmp_path / "o.csv")]) == 2
    assert "error:" in capsys.readouterr().err
    assert not (tmp_path / "o.csv").exists()


def test_large_file_streams_in_many_chunks_without_losing_rows(tmp_path):
    rows = 60_000
    frame = pd.DataFrame({"id": range(rows), "age": ["67", "12"] * (rows // 2), "sex": "F", "weight_kg": "58",
                          "height_cm": "160"})
    source = tmp_path / "big.csv"
    frame.to_csv(source, index=False)
    seen = []
    totals = score_file(source, tmp_path / "out.csv", chunk_rows=7_000, progress=seen.append)
    assert totals == {"rows": rows, "scored": rows // 2, "with_issues": rows // 2}
    assert len(seen) == 9 and seen[-1] == rows
    out = pd.read_csv(tmp_path / "out.csv", usecols=["id", "issues"], keep_default_na=False)
    assert out["id"].tolist() == list(range(rows))


def test_in_memory_scoring_reports_progress_and_keeps_order(synthetic_cohort):
    steps = []
    result = score_table(synthetic_cohort, load_risk_model(), chunk_rows=4, progress=lambda d, t: steps.append((d, t)))
    assert steps == [(4, 6), (6, 6)]
    assert result.scored["patient_id"].tolist() == synthetic_cohort["patient_id"].tolist()
    assert list(result.values.index) == list(range(6))
    with pytest.raises(TableReadError, match="no rows"):
        score_table(synthetic_cohort.iloc[:0], load_risk_model())


def test_filters_select_rows_and_keep_file_order(synthetic_cohort):
    from osteo_core.cohort.summary import analysis_frame

    result = score_table(synthetic_cohort, load_risk_model())
    analysis = analysis_frame(result.scored, result.values)
    only_bad = filter_results(result.scored, analysis, only_issues=True)
    assert only_bad["row"].tolist() == [3, 6]
    women = filter_results(result.scored, analysis, sexes=["female"], age_range=(60, 90))
    assert women["patient_id"].tolist() == ["p1", "p4"]
