"""Cold start of the app: seconds from launching `streamlit run` to the first page's text visible in Chromium.

Each run is split into three phases: the server answering its health check (``/_stcore/health``), the browser
loading the page shell (``goto`` to its load event), and the first page's text appearing (the app's script run and
the websocket round trip).

Usage: python benchmarks/bench_app_start.py [--runs 3] [--out benchmarks/results/app_start.json]
Needs Debian's chromium at /usr/bin/chromium and the playwright Python package (no browser download).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.results_file import write_result  # noqa: E402
from tests.helpers.network import free_port  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def _wait_for_health(port: int, deadline: float) -> None:
    """Poll the server's health endpoint until it answers 200. Raises TimeoutError after ``deadline``."""
    url = f"http://127.0.0.1:{port}/_stcore/health"
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.time() > deadline:
            raise TimeoutError(f"{url} did not answer")
        time.sleep(0.02)


def time_first_page(browser, text: str = "Osteoporosis screening") -> dict[str, float]:
    """Seconds from starting the app as scripts/run_app.sh does (`python -m app_support.serve`: `streamlit run`
    with the idle-start warm-up of the image models) to ``text`` on the first page, with its three phases."""
    port = free_port()
    started = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "app_support.serve", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_health(port, time.time() + 60)
        healthy = time.perf_counter()
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}/", timeout=30_000)
        shell = time.perf_counter()
        page.get_by_text(text).first.wait_for(timeout=60_000)
        done = time.perf_counter()
        page.close()
        return {"total": done - started, "health_check": healthy - started, "page_shell": shell - healthy,
                "first_text": done - shell}
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
        runs = [time_first_page(browser) for _ in range(args.runs)]
        browser.close()
    times = [run["total"] for run in runs]
    result = {
        "benchmark": "app cold start to first page text", "runs": args.runs,
        "seconds": [round(t, 2) for t in times], "median_seconds": round(statistics.median(times), 2),
        "phases_median_seconds": {phase: round(statistics.median(run[phase] for run in runs), 2)
                                  for phase in ("health_check", "page_shell", "first_text")},
    }
    write_result(args.out, result)


if __name__ == "__main__":
    main()
