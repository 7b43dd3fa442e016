"""Time `python -m osteo_core score-cohort` on a synthetic file and record the child process's peak memory.

The file has age, sex, weight, height and five risk-factor columns (``benchmarks/make_cohort.py``, ~1 % bad rows).
Goal on one machine: 1,000,000 rows in ≤ 20 s with peak RSS ≤ 2 GB.

The bar (issue 15): ``--bar`` writes the layout id, age, sex, weight, height, five 0/1 flags and alcohol with
blanks, and times in the same run a bare pyarrow CSV read + write of the same file (its own Python process too);
the result is the ratio command / floor (goal ≤ 6× at ≤ 1 GB peak). ``--root`` runs another checkout's command (to
measure "before" on the same file).

Usage: python benchmarks/bench_cohort.py [--rows 1000000] [--bar] [--root PATH] [--dask local] [--out FILE]
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
BAR = {"rows": 1_000_000, "ratio_to_pyarrow_read_write": 6.0, "peak_rss_mb": 1024}
FLOOR = ("import sys, pyarrow.csv as c\n"
         "c.write_csv(c.read_csv(sys.argv[1]), sys.argv[2])\n")


def make_bar_cohort(rows: int, seed: int = 0):
    """The bar's layout: id, age, sex, weight, height, five 0/1 flags, alcohol (drinks/day) with 30 % blanks;
    about 1 % of ages are invalid (12)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    female = rng.random(rows) < 0.5
    alcohol = rng.integers(0, 4, rows).astype(str).astype(object)
    alcohol[rng.random(rows) < 0.3] = ""
    flags = {name: (rng.random(rows) < share).astype(int) for name, share in (
        ("prior_fracture", 0.1), ("parent_hip_fracture", 0.1), ("glucocorticoids", 0.05), ("smoker_current", 0.15),
        ("rheumatoid_arthritis", 0.03))}
    frame = pd.DataFrame({"id": np.arange(rows), "age": rng.integers(40, 91, rows),
                          "sex": np.where(female, "female", "male"),
                          "weight_kg": np.round(rng.normal(np.where(female, 70, 85), 14), 1),
                          "height_cm": np.round(rng.normal(np.where(female, 161, 175), 7), 1),
                          **flags, "alcohol_drinks_per_day": alcohol})
    frame.loc[rng.random(rows) < 0.01, "age"] = 12
    return frame


def _timed_child(command: list[str], cwd: Path) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (MB, from the child's /proc VmHWM via /usr/bin/time when present) and stderr."""
    timer = ["/usr/bin/time", "-f", "PEAK_KB %M"] if Path("/usr/bin/time").exists() else []
    started = time.perf_counter()
    done = subprocess.run(timer + command, cwd=cwd, capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - started
    peak = [line for line in done.stderr.splitlines() if line.startswith("PEAK_KB ")]
    return seconds, int(peak[-1].split()[1]) // 1024 if peak else -1, done.stderr


def bar(rows: int, root: Path, out: Path) -> None:
    """Time the command and the pyarrow floor on the bar's layout in the same run; write the ratio."""
    with tempfile.TemporaryDirectory() as tmp:
        source, target, floor_out = Path(tmp) / "cohort.csv", Path(tmp) / "scored.csv", Path(tmp) / "floor.csv"
        make_bar_cohort(rows).to_csv(source, index=False)
        floor_s, floor_peak, _ = _timed_child([sys.executable, "-c", FLOOR, str(source), str(floor_out)], root)
        seconds, peak, stderr = _timed_child([sys.executable, "-m", "osteo_core", "score-cohort", str(source),
                                              "--out", str(target)], root)
        floor_again, _, _ = _timed_child([sys.executable, "-c", FLOOR, str(source), str(floor_out)], root)
        input_mb = source.stat().st_size / 1e6
    floor = min(floor_s, floor_again)
    result = {
        "benchmark": "score-cohort against a bare pyarrow CSV read + write of the same file (both as processes)",
        "command": f"python benchmarks/bench_cohort.py --bar --rows {rows}" + (f" --root {root}" if root != ROOT
                                                                                  else ""),
        "rows": rows, "input_mb": round(input_mb, 1),
        "seconds_score_cohort": round(seconds, 2), "seconds_pyarrow_read_write": round(floor, 2),
        "ratio": round(seconds / floor, 2), "peak_rss_mb": peak, "peak_rss_mb_pyarrow": floor_peak,
        "bar": BAR, "meets_bar": bool(seconds / floor <= BAR["ratio_to_pyarrow_read_write"]
                                      and 0 < peak <= BAR["peak_rss_mb"]),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, load average at end "
                   f"{os.getloadavg()[0]:.1f}",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cli_summary": [line for line in stderr.splitlines() if line.startswith("done:")][-1:],
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--dask", default=None, help="also pass --dask ADDRESS (e.g. local) to the command")
    parser.add_argument("--bar", action="store_true", help="the bar's layout and the ratio to a pyarrow read+write")
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout whose command is timed (with --bar)")
    parser.add_argument("--out", type=Path, default=None,
                        help="result JSON (default benchmarks/results/cohort.json, cohort_dask.json with --dask)")
    args = parser.parse_args()
    if args.bar:
        bar(args.rows, args.root.resolve(), args.out or ROOT / "benchmarks" / "results" / "cohort_bar.json")
        return
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
