"""Time `python -m osteo_core score-cohort` on a synthetic file and record peak memory.

Usage: python benchmarks/bench_cohort.py [--rows 100000] [--out benchmarks/results/cohort.json]
"""

from __future__ import annotations

import argparse
import json
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "cohort.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source, target = Path(tmp) / "cohort.csv", Path(tmp) / "scored.csv"
        make_cohort(args.rows).to_csv(source, index=False)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "osteo_core", "score-cohort", str(source), "--out", str(target)],
                              cwd=ROOT, capture_output=True, text=True, check=True)
        seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result = {
        "benchmark": "score-cohort", "rows": args.rows, "seconds_wall_including_startup": round(seconds, 2),
        "rows_per_second": round(args.rows / seconds), "peak_rss_mb": round(peak_mb),
        "machine": f"{platform.processor() or platform.machine()}, {__import__('os').cpu_count()} cores",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cli_summary": done.stderr.strip().splitlines()[-1],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
