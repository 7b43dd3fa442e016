"""Cold start of the app: seconds from launching `streamlit run` to the first page's text visible in Chromium.

Usage: python benchmarks/bench_app_start.py [--runs 3] [--out benchmarks/results/app_start.json]
Needs Debian's chromium at /usr/bin/chromium and the playwright Python package (no browser download).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.helpers.network import free_port  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def time_first_page(browser, text: str = "Osteoporosis screening") -> float:
    """Seconds from starting the app as scripts/run_app.sh does (`python -m app_support.serve`: `streamlit run`
    with the idle-start warm-up of the image models) to ``text`` on the first page."""
    port = free_port()
    started = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "app_support.serve", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        page = browser.new_page()
        deadline = time.time() + 60
        while True:
            try:
                page.goto(f"http://127.0.0.1:{port}/", timeout=5000)
                break
            except Exception:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        page.get_by_text(text).first.wait_for(timeout=60_000)
        seconds = time.perf_counter() - started
        page.close()
        return seconds
    finally:
        server.terminate()
        server.wait(timeout=20)


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "app_start.json")
    args = parser.parse_args()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        times = [time_first_page(browser) for _ in range(args.runs)]
        browser.close()
    result = {
        "benchmark": "app cold start to first page text", "runs": args.runs,
        "seconds": [round(t, 2) for t in times], "median_seconds": round(statistics.median(times), 2),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
