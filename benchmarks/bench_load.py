"""Load: N simulated browser sessions (Playwright, one Chromium, one context each) on one app server on 127.0.0.1.

Usage: python benchmarks/bench_load.py [--sessions 20] [--seconds 120] [--out FILE]
Each session loops until the time is up: open Clinical risk → estimate → save to the patient history under its own
pseudonym, and every other round upload a 300-row cohort CSV and score it. Reports per-action response times
(median, p95, max: from the click to the result on screen), errors (exception boxes, timeouts), and checks that
every save the browser confirmed is in the database exactly once (no lost write). The server runs in local mode
with a temporary SQLite database; the bounded test tests/load/test_load.py runs the same code for one round.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
RAMP_S = 0.5  # seconds between session starts
FOOTER = "An aid to referral, not a diagnosis."


def _cohort_csv(path: Path, rows: int = 300) -> Path:
    lines = ["patient_id,age,sex,weight_kg,height_cm,smoker_current"]
    for n in range(rows):
        sex, smoker = ("female" if n % 3 else "male"), ("yes" if n % 5 == 0 else "no")
        lines.append(f"C{n:04d},{50 + n % 40},{sex},{55 + n % 30},{150 + n % 30},{smoker}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def _settle(page) -> None:  # noqa: ANN001 (playwright Page)
    await page.wait_for_timeout(200)
    await page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=240_000)


async def _timed(timings: list[tuple[str, float]], action: str, start: float) -> None:
    timings.append((action, time.perf_counter() - start))


async def _one_session(browser, url: str, number: int, deadline: float, rounds: int | None, csv: Path,  # noqa: ANN001
                       timings: list, saved: list[str], errors: list[str]) -> None:
    await asyncio.sleep(number * RAMP_S)  # users arrive over a few seconds, not in the same millisecond
    context = await browser.new_context(viewport={"width": 1300, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(240_000)
    done, step = 0, "start"
    try:
        while time.monotonic() < deadline and (rounds is None or done < rounds):
            start = time.perf_counter()
            step = "open clinical risk"
            await page.goto(f"{url}/clinical_risk")
            await page.get_by_text(FOOTER).first.wait_for()
            await page.get_by_label("Age (years)").wait_for()
            await _settle(page)  # a fill during the page's first run would be lost
            await _timed(timings, "open page", start)
            step = "fill form"
            await page.get_by_label("Age (years)").fill(str(55 + (number + done) % 30))
            await page.get_by_text("Female", exact=True).click()
            await page.get_by_label("Weight (kg or lb, as chosen above)").fill("58")
            await page.get_by_label("Height (cm or in, as chosen above)").fill("160")
            start = time.perf_counter()
            step = "estimate"
            await page.get_by_role("button", name="Estimate risk").click()
            await page.get_by_label("Pseudonymous patient id").last.wait_for()  # the save box comes with a result
            await _timed(timings, "score", start)
            patient = f"L{number:02d}-{done:03d}"
            step = "type patient id"
            await page.get_by_label("Pseudonymous patient id").last.fill(patient)
            await page.get_by_label("Pseudonymous patient id").last.press("Enter")
            await _settle(page)
            start = time.perf_counter()
            step = "save"
            await page.get_by_role("button", name="Save to patient history").click()
            await page.get_by_text(f"of patient {patient}").first.wait_for()
            await _timed(timings, "save", start)
            saved.append(patient)
            if done % 2 == 0:
                start = time.perf_counter()
                step = "upload cohort"
                await page.goto(f"{url}/cohort")
                await page.get_by_text(FOOTER).first.wait_for()
                await _settle(page)
                await page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(csv))
                await page.get_by_text("300 rows, 6 columns.").first.wait_for()
                await _timed(timings, "upload", start)
                start = time.perf_counter()
                step = "score cohort"
                await page.get_by_role("button", name="Score the cohort").click()
                await page.get_by_role("heading", name="Who to refer, and how many scans").wait_for()
                await _timed(timings, "score cohort", start)
            boxes = page.locator('[data-testid="stException"]')
            if await boxes.count():
                errors.append(f"session {number}: {await boxes.first.inner_text()}"[:300])
            done += 1
    except Exception as exc:  # noqa: BLE001 - every failure is reported, none stops the other sessions
        errors.append(f"session {number} round {done} at {step}: {type(exc).__name__}: "
                      f"{str(exc).splitlines()[0][:200]}")
    finally:
        await context.close()


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def _drive(url: str, sessions: int, seconds: float, rounds: int | None, work: Path) -> dict:
    from playwright.async_api import async_playwright

    csv = _cohort_csv(work / "cohort.csv")
    timings: list[tuple[str, float]] = []
    saved: list[str] = []
    errors: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        warm = await browser.new_page()  # a warmed server: models loaded and SHAP compiled once, as after start-up
        await warm.goto(f"{url}/clinical_risk")
        await warm.get_by_label("Age (years)").wait_for(timeout=600_000)
        await _settle(warm)
        await warm.close()
        started = time.perf_counter()
        deadline = time.monotonic() + seconds
        await asyncio.gather(*(_one_session(browser, url, n, deadline, rounds, csv, timings, saved, errors)
                               for n in range(sessions)))
        wall = time.perf_counter() - started
        await browser.close()
    per_action = {}
    for action in sorted({a for a, _ in timings}):
        values = [t for a, t in timings if a == action]
        per_action[action] = {"n": len(values), "median_s": round(statistics.median(values), 3),
                              "p95_s": round(_p95(values), 3), "max_s": round(max(values), 3)}
    every = [t for _, t in timings]
    return {"sessions": sessions, "wall_s": round(wall, 1), "actions": len(every),
            "p95_s": round(_p95(every), 3) if every else None, "per_action": per_action,
            "saves_confirmed": len(saved), "saved": saved, "errors": errors}


def run_load(sessions: int = 20, seconds: float = 120.0, rounds: int | None = None) -> dict:
    """Start the app on a free loopback port (local mode, temp SQLite), drive ``sessions`` browser sessions for
    ``seconds`` (or ``rounds`` rounds each), then count the stored rows. Returns the report (times in seconds)."""
    import shutil

    from osteo_core.store import list_screenings, open_store
    from tests.e2e.conftest import start_server
    from tests.tiny_models import write_tiny_models

    with tempfile.TemporaryDirectory(prefix="osteo-load-") as folder:
        work = Path(folder)
        models = write_tiny_models(work / "models")
        shutil.copytree(ROOT / "models" / "clinical_risk", models / "clinical_risk")
        database = f"sqlite:///{work / 'osteo.db'}"
        process, url = start_server({"OSTEO_MODELS_DIR": str(models), "OSTEO_DATABASE_URL": database,
                                     "OSTEO_CREDENTIALS_FILE": str(work / "credentials.yaml")})
        try:
            # a thread of its own: the caller (a pytest session with Playwright's sync API) may run an event loop
            with ThreadPoolExecutor(1) as runner:
                report = runner.submit(asyncio.run, _drive(url, sessions, seconds, rounds, work)).result()
        finally:
            process.terminate()
            process.wait(timeout=30)
        engine = open_store(database)
        stored = {p: len(list_screenings(engine, p)) for p in report["saved"]}
        report["lost_writes"] = sorted(p for p, n in stored.items() if n == 0)
        report["duplicate_writes"] = sorted(p for p, n in stored.items() if n > 1)
        engine.dispose()
    report.pop("saved")
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "load.json")
    args = parser.parse_args()
    report = run_load(args.sessions, args.seconds)
    report |= {"measured_at": datetime.now(UTC).isoformat(timespec="seconds"), "machine": platform.platform(),
               "command": f"python benchmarks/bench_load.py --sessions {args.sessions} --seconds {args.seconds:g}"}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
