"""Page response after an upload: seconds from choosing a file to the result and heatmap on screen.

Usage: python benchmarks/bench_page_upload.py [--runs 3] [--out benchmarks/results/page_upload.json]
Runs the real app with the shipped models in Debian's Chromium on real knee radiographs from ../shared/data
(synthetic images when that folder is absent; the body-part check then refuses them, which is timed too).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_app_start import CHROMIUM_ARGS, free_port  # noqa: E402
from benchmarks.image_latency import synthetic_images  # noqa: E402

PAGES = ("knee_staging", "image_screening")


def real_knees(count: int) -> list[Path]:
    """The first ``count`` knee_kl val radiographs when the real data folder exists, else an empty list."""
    from osteo_core.config import data_dir

    folder = data_dir() / "knee_kl" / "val"
    return sorted(folder.rglob("*.jpg"))[:count] if folder.is_dir() else []


def _serve(port: int, tmp: Path) -> subprocess.Popen:
    env = os.environ | {"OSTEO_CREDENTIALS_FILE": str(tmp / "none.yaml"),
                        "OSTEO_DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}"}
    return subprocess.Popen([sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


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
            for _attempt in range(120):  # the entry page first: it registers the app's navigation
                try:
                    page.goto(f"http://127.0.0.1:{port}/", timeout=5000)
                    break
                except Exception:
                    time.sleep(0.5)
            page.get_by_text("An aid to referral, not a diagnosis.").first.wait_for(timeout=90_000)
            for name in PAGES:
                results[name] = []
                for run, path in enumerate(files):
                    for attempt in range(60):
                        try:
                            page.goto(f"http://127.0.0.1:{port}/{name}", timeout=5000)
                            break
                        except Exception:
                            time.sleep(0.5 if attempt < 59 else 0)
                    page.get_by_text("An aid to referral, not a diagnosis.").first.wait_for(timeout=90_000)
                    started = time.perf_counter()
                    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(path))
                    done = page.get_by_role("heading", name="Result", exact=True).or_(
                        page.locator('[data-testid="stAlertContentError"]'))
                    done.first.wait_for(timeout=120_000)
                    if run > 0:  # the first upload also loads the model: reported separately
                        results[name].append(time.perf_counter() - started)
                    else:
                        results[f"{name}_first_upload_incl_model_load"] = [time.perf_counter() - started]
        finally:
            browser.close()
            server.terminate()
            server.wait(timeout=30)
    summary = {name: {"runs": len(v), "median_seconds": round(statistics.median(v), 2),
                      "seconds": [round(x, 2) for x in v]} for name, v in results.items()}
    result = {"benchmark": "page response after an upload (file chosen → result text visible)", **summary,
              "note": "file chosen → the Result heading (or a refusal) is on screen; body-part check and model "
                      "included", "images": source,
              "machine": f"{platform.machine()}, {os.cpu_count()} cores",
              "date": datetime.now(UTC).isoformat(timespec="seconds")}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
