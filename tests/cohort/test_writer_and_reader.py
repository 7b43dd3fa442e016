"""The one reader and the fast writer (issue 15, items 2 and 3): the writer's bytes equal pandas' ``to_csv``, and
uploads, the command line and Dask read the same table the same way and count rows with one vocabulary."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from osteo_core.cohort.reading import open_table, read_table
from osteo_core.cohort.score import score_file
from osteo_core.cohort.view import counts
from osteo_core.cohort.writer import csv_chunk_bytes

ODD_TEXT = ["a", "", "x,y", 'q"uote', "line\nbreak", "cr\rx", " lead", "tab\tx", "Zoë", "=1+1", "'", '"', "semi;x"]


def test_writer_bytes_equal_pandas_to_csv_for_every_column_type():
    rng = np.random.default_rng(0)
    n = len(ODD_TEXT)
    floats = np.concatenate([[0.0, -0.0, 1.0, 1e-5, 1e-4, 1e16, 2.5e9, np.nan, np.inf, -np.inf, 1 / 3],
                             rng.random(2)])
    frame = pd.DataFrame({"s": pd.array(ODD_TEXT, dtype="str"), "o,bj": np.array(ODD_TEXT, dtype=object),
                          "f": floats, "i": np.arange(n), 'I"nt': pd.array([1, None] * 6 + [3], dtype="Int64"),
                          "b": [True, False] * 6 + [True]})
    for header in (True, False):
        assert csv_chunk_bytes(frame, header) == frame.to_csv(index=False, header=header).encode()
    probabilities = pd.DataFrame({"x": ["a"] * 1000, "p": np.round(rng.random(1000), 4)})
    assert csv_chunk_bytes(probabilities, True) == probabilities.to_csv(index=False).encode()


def test_upload_and_command_line_read_the_same_cells(tmp_path):
    text = "id;Age;Sex;Weight_kg;Height_cm\n1;67;F;58,5;160\n2; 45 ;male;90;180\n"
    data = ("\ufeff" + text).encode("utf-8")
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    uploaded = read_table(data, "t.csv").frame
    streamed = pd.concat(chunk.frame for chunk in open_table(path, chunk_rows=1).chunks)
    pd.testing.assert_frame_equal(uploaded, streamed)
    assert streamed["Age"].tolist() == ["67", " 45 "] and streamed["Weight_kg"].tolist() == ["58,5", "90"]


def test_one_row_counter_for_every_path(tmp_path, synthetic_cohort):
    source = tmp_path / "c.csv"
    synthetic_cohort.to_csv(source, index=False)
    totals = score_file(source, tmp_path / "o.csv")
    written = pd.read_csv(tmp_path / "o.csv", dtype=str, keep_default_na=False)
    assert totals == counts(written) == {"rows": 6, "scored": 4, "with_issues": 2}


def test_xls_files_get_a_clear_message(tmp_path):
    from osteo_core.errors import TableReadError

    with pytest.raises(TableReadError, match="Save it as .xlsx or .csv"):
        read_table(b"\xd0\xcf\x11\xe0 old excel", "old.xls")
