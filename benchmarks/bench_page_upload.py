"""Page response after an upload: seconds from choosing a file to the result and heatmap on screen.

Usage: python benchmarks/bench_page_upload.py [--runs 3] [--out benchmarks/results/page_upload.json]
Runs the real app as scripts/run_app.sh starts it (`python -m app_support.serve`), with the shipped models, in
Debian's Chromium on real knee radiographs from ../shared/data (synthetic images when that folder is absent; the
body-part check then refuses them, which is timed too). The first upload on a fresh server is timed twice per page,
each on its own new server: at once (the first page, then straight to the upload) and once the server's log says
"image models warm" (a user who takes that long to open the page and choose a file).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_app_start import CHROMIUM_ARGS  # noqa: E402
from benchmarks.image_latency import synthetic_images  # noqa: E402
from benchmarks.results_file import write_result  # noqa: E402
from tests.helpers.network import free_port  # noqa: E402

PAGES = ("knee_staging", "image_screening")


def real_knees(count: int) -> list[Path]:
    """The first ``count`` knee_kl val radiographs when the real data folder exists, else an empty list."""
    from osteo_core.config import data_dir

    folder = data_dir() / "knee_kl" / "val"
    return sorted(folder.rglob("*.jpg"))[:count] if folder.is_dir() else []


def _serve(port: int, tmp: Path, log: Path | None = None) -> subprocess.Popen:
    env = os.environ | {"OSTEO_CREDENTIALS_FILE": str(tmp / "none.yaml"),
                        "OSTEO_DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}"}
    stderr = log.open("w") if log is not None else subprocess.DEVNULL
    return subprocess.Popen([sys.executable, "-m", "app_support.serve", "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr)


def _open(page, url: str) -> None:
    """Go to ``url`` (retrying while the server starts) and wait for the app's sidebar caption."""
    for attempt in range(120):
        try:
            page.goto(url, timeout=5000)
            break
        except Exception:
            time.sleep(0.5 if attempt < 119 else 0)
    page.get_by_text("An aid to referral, not a diagnosis.").first.wait_for(timeout=90_000)


OUTCOMES: dict[str, int] = {"result": 0, "refusal or error": 0}


def _upload(page, path: Path) -> float:
    """Seconds from choosing ``path`` in the page's uploader to the Result heading (or a refusal) on screen; counts
    which of the two it was in ``OUTCOMES``."""
    started = time.perf_counter()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(path))
    result = page.get_by_role("heading", name="Result", exact=True)
    result.or_(page.locator('[data-testid="stAlertContentError"]')).first.wait_for(timeout=120_000)
    seconds = time.perf_counter() - started
    OUTCOMES["result" if result.count() else "refusal or error"] += 1
    return seconds


def first_upload_once_warm(playwright, tmp: Path, name: str, path: Path) -> tuple[float, float]:
    """(seconds from process start until the log says "image models warm", first upload's seconds) on a new
    server, the page opened only after the warm-up."""
    port = free_port()
    log = tmp / f"server_{name}.log"
    started = time.perf_counter()
    server = _serve(port, tmp, log)
    browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
    try:
        while "image models warm" not in log.read_text():
            if server.poll() is not None or time.perf_counter() - started > 300:
                raise RuntimeError(f"the server did not report warm image models: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        warm = time.perf_counter() - started
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        _open(page, f"http://127.0.0.1:{port}/")  # the entry page registers the app's navigation
        _open(page, f"http://127.0.0.1:{port}/{name}")
        return warm, _upload(page, path)
    finally:
        browser.close()
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    import cv2
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "page_upload.json")
    args = parser.parse_args()
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp_name, sync_playwright() as playwright:
        tmp = Path(tmp_name)
        files = real_knees(args.runs + 1)
        source = "real knee_kl val radiographs" if files else "synthetic images (the real data folder is absent)"
        if not files:
            for index, image in enumerate(synthetic_images(args.runs + 1, size=512, seed=3)):
                path = tmp / f"knee{index}.png"
                cv2.imwrite(str(path), image)
                files.append(path)
        port = free_port()
        server = _serve(port, tmp)
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            _open(page, f"http://127.0.0.1:{port}/")  # the entry page first: it registers the app's navigation
            for name in PAGES:
                results[name] = []
                for run, path in enumerate(files):
                    _open(page, f"http://127.0.0.1:{port}/{name}")
                    seconds = _upload(page, path)
                    if run > 0:  # the first upload may wait for the warm-up: reported separately
                        results[name].append(seconds)
                    else:
                        results[f"{name}_first_upload_at_once"] = [seconds]
        finally:
            browser.close()
            server.terminate()
            server.wait(timeout=30)
        for name in PAGES:
            warm, seconds = first_upload_once_warm(playwright, tmp, name, files[0])
            results[f"{name}_first_upload_once_warm"] = [seconds]
            results[f"{name}_server_start_to_models_warm"] = [warm]
    summary = {name: {"runs": len(v), "median_seconds": round(statistics.median(v), 2),
                      "seconds": [round(x, 2) for x in v]} for name, v in results.items()}
    result = {"benchmark": "page response after an upload (file chosen → result text visible)", **summary,
              "note": "file chosen → the Result heading (or a refusal) is on screen; body-part check and model "
                      "included. *_first_upload_at_once: a new server, its first page, then straight to the upload "
                      "(waits for whatever of the warm-up is left); *_first_upload_once_warm: a new server, the page "
                      "opened once the log says the image models are warm", "images": source,
              "outcomes": OUTCOMES, "image_runtime": os.environ.get("OSTEO_IMAGE_RUNTIME", "litert")}
    write_result(args.out, result)


if __name__ == "__main__":
    main()
