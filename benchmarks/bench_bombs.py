"""Peak memory of each decompression bomb and damaged file of issue 14, each read in its own subprocess.

Each case runs ``osteo_core``'s reader on a file made by ``tests/bad_input/bombs.py`` and records the outcome (the
message, or "read") and the subprocess's peak resident set. ``--root`` points at another checkout (e.g. a snapshot
of the previous commit) to measure "before".

Usage: python benchmarks/bench_bombs.py [--root PATH] [--out benchmarks/results/bombs.json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.bad_input import bombs  # noqa: E402

READ_IMAGE = "from osteo_core.imaging.read import decode_image\ntry:\n    decode_image({path!r})\n    print('read')\n" \
             "except Exception as exc:\n    print(type(exc).__name__, str(exc)[:160].replace(chr(10), ' '))\n"
READ_TABLE = "from osteo_core.cohort.reading import read_table\ntry:\n    " \
             "t = read_table(open({path!r}, 'rb').read(), {name!r})\n    " \
             "print('read', len(t.frame), 'rows', len(t.frame.columns), 'columns')\n" \
             "except Exception as exc:\n    print(type(exc).__name__, str(exc)[:160].replace(chr(10), ' '))\n"


def cases(folder: Path) -> dict[str, tuple[str, Path]]:
    good = bombs.excel_bytes(__import__("pandas").DataFrame({"age": ["60"], "sex": ["F"], "weight_kg": ["60"],
                                                             "height_cm": ["160"]}))
    (folder / "truncated.xlsx").write_bytes(bombs.damaged_xlsx(good, "truncated"))
    (folder / "corrupt.xlsx").write_bytes(bombs.damaged_xlsx(good, "corrupt_member"))
    return {
        "deflated DICOM (1.2 GB inflated)": (READ_IMAGE, bombs.deflated_dicom_bomb(folder / "deflated.dcm")),
        "RLE DICOM, 5000² × 3 samples": (READ_IMAGE, bombs.rle_rgb_bomb(folder / "rle.dcm")),
        "16-bit PNG 7000²": (READ_IMAGE, bombs.png_16bit_bomb(folder / "png16.png")),
        "XLSX header at column XFD, 20,000 rows": (READ_TABLE, bombs.wide_xlsx(folder / "wide.xlsx")),
        "Parquet, 30 M rows (page upload)": (READ_TABLE, bombs.long_parquet(folder / "long.parquet")),
        "200 MB CSV (page upload)": (READ_TABLE, bombs.big_csv(folder / "big.csv")),
        "truncated XLSX": (READ_TABLE, folder / "truncated.xlsx"),
        "XLSX with a corrupt zip member": (READ_TABLE, folder / "corrupt.xlsx"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout whose osteo_core is measured")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--skip", nargs="*", default=[], help="skip cases whose name contains any of these words")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for case, (template, path) in cases(Path(tmp)).items():
            if any(word in case for word in args.skip):
                continue
            code = bombs.peak_rss_script(template.format(path=str(path), name=path.name))
            done = subprocess.run([sys.executable, "-c", code], cwd=args.root, capture_output=True, text=True,
                                  timeout=600)
            lines = done.stdout.strip().splitlines()
            results[case] = {"file_kb": round(path.stat().st_size / 1024),
                             "outcome": lines[0] if len(lines) > 1 else (done.stderr.strip().splitlines() or ["?"])[-1],
                             "peak_rss_mb": int(lines[-1]) if len(lines) > 1 else None,
                             "exit_code": done.returncode}
            print(case, results[case], flush=True)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"root": str(args.root), "cases": results}, indent=2, ensure_ascii=False)
                            + "\n")


if __name__ == "__main__":
    main()
