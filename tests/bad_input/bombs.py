"""Decompression bombs and damaged files, made by the tests (a few KB to about 1 MB on disk)."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image


def _element(group: int, elem: int, vr: bytes, value: bytes) -> bytes:
    if vr in (b"OB", b"OW", b"UN", b"SQ", b"UT"):
        return struct.pack("<HH", group, elem) + vr + b"\0\0" + struct.pack("<I", len(value)) + value
    return struct.pack("<HH", group, elem) + vr + struct.pack("<H", len(value)) + value


def _meta(transfer_syntax: bytes) -> bytes:
    ts = transfer_syntax + (b"\0" if len(transfer_syntax) % 2 else b"")
    body = (_element(0x0002, 0x0001, b"OB", b"\0\1")
            + _element(0x0002, 0x0002, b"UI", b"1.2.840.10008.5.1.4.1.1.1\0")
            + _element(0x0002, 0x0003, b"UI", b"1.2.3.4\0")
            + _element(0x0002, 0x0010, b"UI", ts))
    return b"\0" * 128 + b"DICM" + _element(0x0002, 0x0000, b"UL", struct.pack("<I", len(body))) + body


def deflated_dicom_bomb(path: Path, inflated_bytes: int = 1_200_000_000) -> Path:
    """A deflated DICOM (1.2.840.10008.1.2.1.99) whose dataset inflates to ``inflated_bytes`` of pixel data."""
    header = (_element(0x0028, 0x0002, b"US", struct.pack("<H", 1))
              + _element(0x0028, 0x0004, b"CS", b"MONOCHROME2 ")
              + _element(0x0028, 0x0010, b"US", struct.pack("<H", 64))
              + _element(0x0028, 0x0011, b"US", struct.pack("<H", 64))
              + _element(0x0028, 0x0100, b"US", struct.pack("<H", 8))
              + _element(0x0028, 0x0101, b"US", struct.pack("<H", 8))
              + _element(0x0028, 0x0102, b"US", struct.pack("<H", 7))
              + _element(0x0028, 0x0103, b"US", struct.pack("<H", 0))
              + struct.pack("<HH", 0x7FE0, 0x0010) + b"OB\0\0" + struct.pack("<I", inflated_bytes))
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block_size = 64 * 1024 * 1024
    # After a full flush the compressor forgets its history, so one compressed block of zeros can be repeated.
    start = packer.compress(header) + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(bytes(block_size)) + packer.flush(zlib.Z_FULL_FLUSH)
    rest = packer.compress(bytes(inflated_bytes % block_size)) + packer.flush()
    with open(path, "wb") as out:
        out.write(_meta(b"1.2.840.10008.1.2.1.99") + start)
        for _ in range(inflated_bytes // block_size):
            out.write(block)
        out.write(rest)
    return path


def rle_rgb_bomb(path: Path, side: int = 5000) -> Path:
    """pydicom's RLE RGB test file claiming ``side``×``side`` pixels with 3 samples (75 M values at 5000)."""
    import pydicom
    from pydicom.data import get_testdata_file

    dataset = pydicom.dcmread(get_testdata_file("SC_rgb_rle.dcm"))
    dataset.Rows = dataset.Columns = side
    dataset.save_as(path)
    return path


def png_16bit_bomb(path: Path, side: int = 7000) -> Path:
    """A 16-bit grayscale PNG of ``side``×``side`` pixels (≈ 100 KB on disk, 98 MB decoded)."""
    pixels = np.zeros((side, side), dtype=np.uint16)
    pixels[side // 4: side // 2, side // 4: side // 2] = 40_000
    Image.fromarray(pixels).save(path, "PNG", optimize=True)
    return path


def wide_xlsx(path: Path, rows: int = 20_000) -> Path:
    """A workbook whose header touches column XFD (16,384), over ``rows`` ordinary patient rows."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Patients")
    header = ["patient_id", "age", "sex", "weight_kg", "height_cm"] + [None] * (16_384 - 6) + ["stray"]
    sheet.append(header)
    for index in range(rows):
        sheet.append([f"P{index}", 60 + index % 30, "female", 60.5, 160])
    book.save(path)
    return path


def long_parquet(path: Path, rows: int = 30_000_000) -> Path:
    """A Parquet file of ``rows`` identical patients (a few hundred KB: run-length encoded)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"age": pa.array(np.full(rows, 67, dtype=np.int8)), "sex": pa.array(["F"] * 1).take(
        np.zeros(rows, dtype=np.int32)), "weight_kg": pa.array(np.full(rows, 58, dtype=np.int8)),
        "height_cm": pa.array(np.full(rows, 160, dtype=np.int16))})
    pq.write_table(table, path, compression="zstd")
    return path


def big_csv(path: Path, megabytes: int = 200) -> Path:
    """A plain patient CSV of about ``megabytes`` MB (for the page's row cap)."""
    line = b"P000000,67,female,58.5,160.2,0,1,0,0,0,2\n"
    with open(path, "wb") as out:
        out.write(b"id,age,sex,weight_kg,height_cm,prior_fracture,parent_hip_fracture,glucocorticoids,"
                  b"smoker_current,rheumatoid_arthritis,alcohol_drinks_per_day\n")
        block = line * 100_000
        for _ in range(megabytes * 1_000_000 // len(block)):
            out.write(block)
    return path


def damaged_xlsx(good: bytes, how: str) -> bytes:
    """A truncated workbook (``how="truncated"``) or one whose sheet member is corrupt (``"corrupt_member"``)."""
    if how == "truncated":
        return good[: len(good) // 2]
    marker = good.find(b"xl/worksheets/sheet1.xml")
    start = good.find(b"PK\x03\x04", max(0, marker - 64))
    data = bytearray(good)
    for offset in range(start + 80, min(start + 200, len(data))):
        data[offset] ^= 0x5A
    return bytes(data)


def peak_rss_script(code: str) -> str:
    """Python source that runs ``code`` and prints the process's peak resident set (MB) as the last line.

    It reads ``VmHWM`` (Linux): ``ru_maxrss`` would include the parent's size at fork (e.g. a large test runner).
    """
    return code + ("\nimport re\nstatus = open('/proc/self/status').read()\n"
                   "print(int(re.search(r'VmHWM:\\s+(\\d+)', status).group(1)) // 1024)\n")


def excel_bytes(frame) -> bytes:
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    return buffer.getvalue()
