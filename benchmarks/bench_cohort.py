"""Time `python -m osteo_core score-cohort` on a synthetic file and record the child process's peak memory.

The file has age, sex, weight, height and five risk-factor columns (``benchmarks/make_cohort.py``, ~1 % bad rows).
Goal on one machine: 1,000,000 rows in ≤ 20 s with peak RSS ≤ 2 GB.

Usage: python benchmarks/bench_cohort.py [--rows 1000000] [--dask local] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.make_cohort import make_cohort  # noqa: E402

GOAL = {"rows": 1_000_000, "seconds": 20.0, "peak_rss_mb": 2048}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--dask", default=None, help="also pass --dask ADDRESS (e.g. local) to the command")
    parser.add_argument("--out", type=Path, default=None,
                        help="result JSON (default benchmarks/results/cohort.json, cohort_dask.json with --dask)")
    args = parser.parse_args()
    out = args.out or ROOT / "benchmarks" / "results" / ("cohort_dask.json" if args.dask else "cohort.json")
    with tempfile.TemporaryDirectory() as tmp:
        source, target = Path(tmp) / "cohort.csv", Path(tmp) / "scored.csv"
        make_cohort(args.rows).to_csv(source, index=False)
        command = [sys.executable, "-m", "osteo_core", "score-cohort", str(source), "--out", str(target)]
        if args.dask:
            command += ["--dask", args.dask]
        started = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
        seconds = time.perf_counter() - started
        input_mb, output_mb = source.stat().st_size / 1e6, target.stat().st_size / 1e6
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # kB on Linux
    summary = done.stderr.strip().splitlines()[-1]
    result = {
        "benchmark": "score-cohort" + (f" --dask {args.dask}" if args.dask else ""),
        "command": "python benchmarks/bench_cohort.py --rows " + str(args.rows)
                   + (f" --dask {args.dask}" if args.dask else ""),
        "rows": args.rows, "input_mb": round(input_mb, 1), "output_mb": round(output_mb, 1),
        "seconds_wall_including_startup": round(seconds, 2),
        "seconds_scoring_reported_by_cli": float(summary.split(" s →")[0].rsplit(", ", 1)[-1]),
        "rows_per_second": round(args.rows / seconds),
        "peak_rss_mb": round(peak_mb),
        "peak_rss_note": "largest resident set of the score-cohort process (its Dask workers are not included)"
                         if args.dask else "largest resident set of the score-cohort process",
        "goal": GOAL if not args.dask else "the goal is for the single-machine path; this run shows the Dask "
                                           "path's overhead on the same machine",
        "meets_goal": None if args.dask else bool(args.rows >= GOAL["rows"] and seconds <= GOAL["seconds"]
                                                  and peak_mb <= GOAL["peak_rss_mb"]),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, load average at end "
                   f"{os.getloadavg()[0]:.1f}",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cli_summary": summary,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
