"""Decompression bombs and damaged workbooks (issue 14, item 5 and 6): refused or read within 1 GB, with a plain
message and no traceback. Peak memory is measured in a subprocess; timings are in benchmarks/bench_bombs.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from osteo_core.__main__ import main
from osteo_core.cohort.reading import read_table
from osteo_core.errors import ImageReadError, TableReadError
from osteo_core.imaging.read import decode_image
from tests.bad_input import bombs
from tests.bad_input.conftest import page_test, page_text, upload

ROOT = Path(__file__).resolve().parents[2]
CEILING_MB = 1024


def _peak_mb(code: str) -> tuple[str, int]:
    done = subprocess.run([sys.executable, "-c", bombs.peak_rss_script(code)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.strip().splitlines()
    return lines[0], int(lines[-1])


def test_deflated_dicom_bomb_is_refused_within_the_memory_ceiling(tmp_path):
    path = bombs.deflated_dicom_bomb(tmp_path / "bomb.dcm")
    assert path.stat().st_size < 1_300_000
    with pytest.raises(ImageReadError, match="deflated DICOM file unpacks to more than"):
        decode_image(path)
    outcome, peak = _peak_mb(f"from osteo_core.imaging.read import decode_image\ntry:\n    decode_image({str(path)!r})"
                             "\n    print('read')\nexcept Exception as exc:\n    print(type(exc).__name__)")
    assert outcome == "ImageReadError" and peak < CEILING_MB, (outcome, peak)


def test_small_deflated_dicom_is_still_read():
    from pydicom.data import get_testdata_file

    image = decode_image(get_testdata_file("image_dfl.dcm"))
    assert image.source_format == "dicom" and image.pixels.std() > 0


def test_rle_dicom_with_three_samples_counts_every_sample(tmp_path):
    path = bombs.rle_rgb_bomb(tmp_path / "rle.dcm")
    with pytest.raises(ImageReadError, match="5000×5000 pixels with 3 samples per pixel"):
        decode_image(path)


def test_16_bit_7000_square_png_is_read_under_1_gb(tmp_path):
    path = bombs.png_16bit_bomb(tmp_path / "big16.png")
    outcome, peak = _peak_mb(f"from osteo_core.imaging.read import decode_image\n"
                             f"p = decode_image({str(path)!r}).pixels\nprint(p.shape, p.dtype, p.min(), p.max())")
    assert outcome == "(7000, 7000) uint8 0 255" and peak < CEILING_MB, (outcome, peak)


def test_workbook_header_at_column_xfd_reads_only_the_named_columns_under_1_gb(tmp_path):
    path = bombs.wide_xlsx(tmp_path / "wide.xlsx")
    outcome, peak = _peak_mb(f"from osteo_core.cohort.reading import read_table\n"
                             f"t = read_table(open({str(path)!r}, 'rb').read(), 'wide.xlsx')\n"
                             "print(len(t.frame), list(t.frame.columns))")
    assert outcome == "20000 ['patient_id', 'age', 'sex', 'weight_kg', 'height_cm']" and peak < CEILING_MB
    loaded = read_table(path.read_bytes(), "wide.xlsx")
    assert any("only the columns the scoring uses were read" in note for note in loaded.notes)


def test_parquet_with_30_million_rows_is_refused_from_its_metadata(tmp_path):
    path = bombs.long_parquet(tmp_path / "long.parquet")
    assert path.stat().st_size < 2_000_000
    outcome, peak = _peak_mb(f"from osteo_core.cohort.reading import read_table\ntry:\n"
                             f"    read_table(open({str(path)!r}, 'rb').read(), 'long.parquet')\n"
                             "except Exception as exc:\n    print(str(exc))")
    assert "has 30,000,000 rows; the limit for one upload here is 500,000" in outcome and peak < CEILING_MB


GOOD = pd.DataFrame({"age": ["67"], "sex": ["F"], "weight_kg": ["58"], "height_cm": ["160"]})


@pytest.mark.parametrize("how", ["truncated", "corrupt_member"])
def test_damaged_workbook_gives_a_clear_message(tmp_path, capsys, how):
    data = bombs.damaged_xlsx(bombs.excel_bytes(GOOD), how)
    with pytest.raises(TableReadError, match="damaged or truncated"):
        read_table(data, "book.xlsx")
    source = tmp_path / "book.xlsx"
    source.write_bytes(data)
    assert main(["score-cohort", str(source), "--out", str(tmp_path / "out.csv")]) == 2
    err = capsys.readouterr().err
    assert "error: Cannot read book.xlsx: the workbook is damaged or truncated" in err and "Traceback" not in err


@pytest.mark.parametrize("how", ["truncated", "corrupt_member"])
def test_damaged_workbook_on_the_page_shows_a_message_not_a_traceback(models_env, how):
    at = upload(page_test("cohort.py"), "cohort_file", "book.xlsx",
                bombs.damaged_xlsx(bombs.excel_bytes(GOOD), how))
    assert "the workbook is damaged or truncated" in page_text(at)


def test_streamlit_hides_error_details_from_the_browser():
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] in ("none", False)
