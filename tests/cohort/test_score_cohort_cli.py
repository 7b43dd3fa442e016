"""The `python -m osteo_core score-cohort INPUT --out OUTPUT` contract."""

import subprocess
import sys

import pandas as pd
import pytest

from osteo_core.__main__ import main
from osteo_core.cohort.columns import map_columns
from tests.conftest import PROJECT_ROOT

ADDED = ["osteo_risk", "risk_category", "t_score_estimate", "t_score_low", "t_score_high", "ost_index", "ost_flag",
         "orai_score", "score_score", "issues"]


def _run(tmp_path, frame: pd.DataFrame, name="in.csv", **to_csv):
    source = tmp_path / name
    if name.endswith(".xlsx"):
        frame.to_excel(source, index=False)
    elif name.endswith(".parquet"):
        frame.to_parquet(source, index=False)
    else:
        frame.to_csv(source, index=False, **to_csv)
    out = tmp_path / "out.csv"
    code = main(["score-cohort", str(source), "--out", str(out)])
    return code, out


def test_score_cohort_keeps_input_columns_and_order(tmp_path, synthetic_cohort):
    code, out = _run(tmp_path, synthetic_cohort)
    assert code == 0
    result = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(result.columns) == list(synthetic_cohort.columns) + ADDED
    pd.testing.assert_frame_equal(result[synthetic_cohort.columns], synthetic_cohort)


def test_score_cohort_scores_valid_rows_and_explains_bad_ones(tmp_path, synthetic_cohort):
    _, out = _run(tmp_path, synthetic_cohort)
    result = pd.read_csv(out, keep_default_na=False)
    valid = result["issues"] == ""
    assert valid.tolist() == [True, True, False, True, True, False]
    risk = pd.to_numeric(result.loc[valid, "osteo_risk"])
    assert risk.between(0, 1).all()
    assert set(result.loc[valid, "risk_category"]) <= {"low", "moderate", "high"}
    assert (result.loc[~valid, ["osteo_risk", "risk_category", "t_score_estimate", "ost_index"]] == "").all().all()
    low, estimate, high = (pd.to_numeric(result.loc[valid, c]) for c in ("t_score_low", "t_score_estimate",
                                                                          "t_score_high"))
    assert ((low < estimate) & (estimate < high)).all() and estimate.between(-6, 4).all()
    assert "`age` must be between 18 and 110 (years). Got 12." in result.loc[2, "issues"]
    # OST for row 1: trunc(0.2 x (58 - 67)) = -1, flagged (woman, < 2)
    assert (result.loc[0, "ost_index"], result.loc[0, "ost_flag"]) == ("-1", "1")
    # ORAI needs estrogen status and SCORE race etc.: left empty, not guessed
    assert result.loc[0, "orai_score"] == "" and result.loc[0, "score_score"] == ""


def test_score_cohort_computes_orai_and_score_when_facts_are_given(tmp_path):
    frame = pd.DataFrame({"age": [67], "sex": ["female"], "weight_kg": [58], "height_cm": [160],
                          "race": ["nh_white"], "rheumatoid_arthritis": ["no"], "prior_fracture": ["yes"],
                          "fracture_count_after_45": [1], "estrogen_therapy": ["never"]})
    _, out = _run(tmp_path, frame)
    result = pd.read_csv(out)
    assert (result.loc[0, "orai_score"], result.loc[0, "score_score"]) == (20, 16)


def test_score_cohort_needs_only_required_columns(tmp_path):
    frame = pd.DataFrame({"Age": [70, 55], "Sex": ["F", "M"], "weight_lb": [130, 200], "height_in": [63, 70]})
    code, out = _run(tmp_path, frame)
    result = pd.read_csv(out, keep_default_na=False)
    assert code == 0 and (result["issues"] == "").all()
    assert result["osteo_risk"].between(0, 1).all()


@pytest.mark.parametrize("name", ["in.xlsx", "in.parquet"])
def test_score_cohort_reads_excel_and_parquet(tmp_path, synthetic_cohort, name):
    code, out = _run(tmp_path, synthetic_cohort, name=name)
    result = pd.read_csv(out, keep_default_na=False)
    assert code == 0 and len(result) == len(synthetic_cohort)
    assert (result["issues"] == "").sum() == 4


def test_score_cohort_reads_semicolons_and_byte_order_mark(tmp_path, synthetic_cohort):
    code, out = _run(tmp_path, synthetic_cohort, sep=";", encoding="utf-8-sig")
    result = pd.read_csv(out, keep_default_na=False)
    assert code == 0 and result.columns[0] == "patient_id"
    assert (result["issues"] == "").sum() == 4


def test_score_cohort_refuses_table_without_required_columns(tmp_path, capsys):
    code, out = _run(tmp_path, pd.DataFrame({"age": [60], "sex": ["F"]}))
    assert code == 2
    assert "`weight_kg`, `height_cm`" in capsys.readouterr().err
    assert not out.exists()


def test_score_cohort_refuses_empty_file(tmp_path, capsys):
    source = tmp_path / "empty.csv"
    source.write_text("")
    assert main(["score-cohort", str(source), "--out", str(tmp_path / "o.csv")]) == 2
    assert "empty" in capsys.readouterr().err


def test_score_cohort_streams_in_chunks(tmp_path, synthetic_cohort):
    big = pd.concat([synthetic_cohort] * 50, ignore_index=True)
    source = tmp_path / "big.csv"
    big.to_csv(source, index=False)
    out = tmp_path / "out.csv"
    assert main(["score-cohort", str(source), "--out", str(out), "--chunk-rows", "64"]) == 0
    result = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert len(result) == 300
    pd.testing.assert_frame_equal(result[big.columns], big)


def test_map_columns_prefers_canonical_names_and_reports_ambiguity():
    mapping = map_columns(["Weight", "weight_kg", "\ufeffAGE", "extra"])
    assert mapping.mapping == {"weight_kg": "weight_kg", "\ufeffAGE": "age"}
    assert mapping.ambiguous == ["Weight"]
    assert mapping.unused == ["extra"]


def test_command_line_entry_point_runs_as_module(tmp_path, synthetic_cohort):
    source = tmp_path / "in.csv"
    synthetic_cohort.to_csv(source, index=False)
    out = tmp_path / "out.csv"
    done = subprocess.run([sys.executable, "-m", "osteo_core", "score-cohort", str(source), "--out", str(out)],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "scored 6 rows" in done.stderr
    assert len(pd.read_csv(out)) == 6


@pytest.mark.real_data
def test_score_cohort_accepts_nhanes_file_as_is(tmp_path, real_data_dir):
    source = real_data_dir / "nhanes_osq" / "nhanes_osq.csv"
    out = tmp_path / "out.csv"
    assert main(["score-cohort", str(source), "--out", str(out)]) == 0
    result = pd.read_csv(out, keep_default_na=False)
    original = pd.read_csv(source)
    assert len(result) == len(original)
    assert (result["issues"] == "").mean() > 0.9  # rows lacking weight or height are explained, not dropped


def test_assess_prints_the_score_cohort_fields_as_json(capsys):
    code = main(["assess", "--age", "67", "--sex", "female", "--weight", "58", "--height", "160",
                 "--prior-fracture", "yes"])
    import json

    report = json.loads(capsys.readouterr().out)
    assert code == 0
    for field in ADDED:
        assert field in report, field
    assert report["t_score_low"] < report["t_score_estimate"] < report["t_score_high"]
    assert 0 < report["osteo_risk"] < 1 and report["ost_index"] == -1 and report["ost_flag"] == 1
