"""Browser end-to-end tests: the real app served on a loopback port, driven by Playwright in Debian's Chromium.

The server runs in local mode (no credentials file), with a temporary database and the tiny hand-built image
models (so synthetic images pass the gate and results are deterministic) beside the shipped clinical model.
Screenshots go to ``artifacts/e2e/``. Tests skip when Chromium or Playwright is missing, saying why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.helpers.network import free_port
from tests.tiny_models import write_tiny_models

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SCREENSHOTS = ROOT / "artifacts" / "e2e"
SESSION_STARTED = time.time()


def start_server(env_overrides: dict[str, str]) -> tuple[subprocess.Popen, str]:
    """Start the app as scripts/run_app.sh does (`python -m app_support.serve`, i.e. `streamlit run
    streamlit_app.py` with the image models warming up from process start) on a free loopback port; returns
    (process, base URL)."""
    port = free_port()
    env = os.environ | env_overrides
    process = subprocess.Popen(
        [sys.executable, "-m", "app_support.serve", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return process, url
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise RuntimeError("the app did not start within 90 s")


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium); .ci/run installs it")
    playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def warm_up(browser, url: str) -> None:
    """Open the entry page once. Until some session has run ``streamlit_app.py`` (and so ``st.navigation``),
    Streamlit serves a deep link such as ``/knee_staging`` from the ``pages/`` folder directly, without the entry
    script (see ``test_login_e2e.test_deep_link_on_a_fresh_server_shows_the_login_form``)."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(url)
    page.get_by_text("An aid to referral, not a diagnosis.").first.wait_for(timeout=90_000)
    context.close()


@pytest.fixture(scope="session")
def app_url(tmp_path_factory, browser):
    """The app in local mode with tiny image models served through their LiteRT exports (as the shipped ones are),
    entry page opened once; yields its base URL."""
    work = tmp_path_factory.mktemp("e2e")
    models = write_tiny_models(work / "models", litert=True)
    shutil.copytree(ROOT / "models" / "clinical_risk", models / "clinical_risk")
    process, url = start_server({
        "OSTEO_MODELS_DIR": str(models),
        "OSTEO_CREDENTIALS_FILE": str(work / "credentials.yaml"),
        "OSTEO_DATABASE_URL": f"sqlite:///{work / 'osteo.db'}",
        "OSTEO_COOKIE_KEY": "e2e-test-cookie-key-not-secret",
    })
    try:
        warm_up(browser, url)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.e2e_failed = report.failed
    return report


@pytest.fixture()
def page(browser, request):
    """A fresh browser context per test; a failing test leaves artifacts/e2e/FAILED-<test>.png."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    if getattr(request.node, "e2e_failed", False):
        screenshot(page, f"FAILED-{request.node.name}")
    context.close()


def settle(page) -> None:
    """Wait until Streamlit has finished running the script."""
    page.wait_for_timeout(300)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=90_000)


def assert_no_exception(page) -> None:
    boxes = page.locator('[data-testid="stException"]')
    assert boxes.count() == 0, boxes.first.inner_text()


def screenshot(page, name: str, max_height: int = 5000) -> Path:
    """The whole page as artifacts/e2e/NAME.png. Streamlit scrolls inside its main container, so the viewport is
    stretched to the content's height (at most ``max_height`` pixels) for the shot, then restored."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    size = page.viewport_size
    height = page.evaluate("() => Math.max(...[...document.querySelectorAll("
                           "'[data-testid=\"stMain\"], [data-testid=\"stMainBlockContainer\"]')]"
                           ".map(e => e.scrollHeight), 0)")
    page.set_viewport_size({"width": size["width"], "height": min(max(size["height"], height + 40), max_height)})
    page.wait_for_timeout(300)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    return path
