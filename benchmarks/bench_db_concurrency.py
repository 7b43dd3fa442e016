"""Concurrent writes to the SQLite history store: screenings/s with N writers on one file (WAL).

Usage: python benchmarks/bench_db_concurrency.py [--writers 1 2 4 8] [--rows 200] [--out FILE]
Two modes: N threads sharing the app's engine (N browser sessions on one Streamlit server) and N processes with
their own engines (N servers on one file). Each save is one transaction (screening row + audit line,
BEGIN IMMEDIATE). Reports total writes/s over wall time, per-write latency, rows stored and errors.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

INPUTS = {"age": 71.0, "sex": "female", "weight_kg": 52.0, "height_cm": 158.0, "smoker_current": True}
OUTPUTS = {"risk_probability": 0.21, "risk_band": "high", "tools": {"ost": {"score": -4, "flagged": True}}}


def writer(url: str, number: int, rows: int, start_at: float, shared: bool = False) -> dict:
    """Write ``rows`` screenings (through the shared app engine when ``shared``, else a new one); returns per-write
    latencies (s), error messages and the finish time."""
    from osteo_core.store import open_store, save_screening
    from osteo_core.store.engine import create_store_engine

    engine = open_store(url) if shared else create_store_engine(url)
    while time.time() < start_at:  # all writers start together
        time.sleep(0.001)
    latencies, errors = [], []
    for n in range(rows):
        began = time.perf_counter()
        try:
            save_screening(engine, f"W{number}-{n % 20}", "clinical_risk", INPUTS, OUTPUTS, {"clinical_risk": "b"},
                           user=f"writer{number}")
        except Exception as exc:  # noqa: BLE001 - counted and reported
            errors.append(str(exc).splitlines()[0])
        latencies.append(time.perf_counter() - began)
    finished_at = time.time()
    if not shared:
        engine.dispose()
    return {"latencies": latencies, "errors": errors, "finished_at": finished_at}


def run(writers: int, rows: int, mode: str) -> dict:
    from osteo_core.store import open_store
    from osteo_core.store.screenings import list_patients, list_screenings

    folder = tempfile.mkdtemp(prefix="osteo_bench_")
    url = f"sqlite:///{folder}/bench.db"
    engine = open_store(url)
    start_at = time.time() + (3.0 if mode == "processes" else 0.2)  # time for the processes to import
    pool = (ProcessPoolExecutor(writers, mp_context=multiprocessing.get_context("spawn")) if mode == "processes"
            else ThreadPoolExecutor(writers))
    with pool:
        futures = [pool.submit(writer, url, w, rows, start_at, mode == "threads") for w in range(writers)]
        results = [f.result() for f in futures]
    wall = max(r["finished_at"] for r in results) - start_at
    stored = sum(len(list_screenings(engine, p)) for p in list_patients(engine))
    latencies = sorted(x for r in results for x in r["latencies"])
    errors = [e for r in results for e in r["errors"]]
    return {
        "mode": mode, "writers": writers, "rows_per_writer": rows, "rows_expected": writers * rows,
        "rows_stored": stored,
        "errors": len(errors), "first_error": errors[0] if errors else None,
        "wall_s": round(wall, 3), "writes_per_s": round(writers * rows / wall, 1),
        "latency_ms_p50": round(1000 * statistics.median(latencies), 2),
        "latency_ms_p95": round(1000 * latencies[int(0.95 * (len(latencies) - 1))], 2),
        "latency_ms_max": round(1000 * latencies[-1], 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--rows", type=int, default=200, help="screenings written by each writer")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "db_concurrency.json"))
    args = parser.parse_args()
    runs = []
    for mode in ("threads", "processes"):
        for count in args.writers:
            result = run(count, args.rows, mode)
            print(json.dumps(result), flush=True)
            runs.append(result)
    report = {
        "benchmark": "concurrent screening writes to one SQLite file (WAL, busy_timeout 30 s, BEGIN IMMEDIATE)",
        "command": "python benchmarks/bench_db_concurrency.py " + " ".join(sys.argv[1:]),
        "note": "writes_per_s = all rows / wall time from the common start to the last writer's end; "
                "each write is one transaction",
        "runs": runs, "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0 if all(r["errors"] == 0 and r["rows_stored"] == r["rows_expected"] for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
