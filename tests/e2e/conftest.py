"""Browser end-to-end tests: the real app served on a loopback port, driven by Playwright in Debian's Chromium.

The server runs in local mode (no credentials file), with a temporary database and the tiny hand-built image
models (so synthetic images pass the gate and results are deterministic) beside the shipped clinical model.
Screenshots go to ``artifacts/e2e/``. Tests skip when Chromium or Playwright is missing, saying why.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.tiny_models import write_tiny_models

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SCREENSHOTS = ROOT / "artifacts" / "e2e"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env_overrides: dict[str, str]) -> tuple[subprocess.Popen, str]:
    """Start `streamlit run streamlit_app.py` on a free loopback port; returns (process, base URL)."""
    port = _free_port()
    env = os.environ | env_overrides
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(port),
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


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    """The app in local mode with tiny image models; yields its base URL."""
    work = tmp_path_factory.mktemp("e2e")
    models = write_tiny_models(work / "models")
    shutil.copytree(ROOT / "models" / "clinical_risk", models / "clinical_risk")
    process, url = start_server({
        "OSTEO_MODELS_DIR": str(models),
        "OSTEO_CREDENTIALS_FILE": str(work / "credentials.yaml"),
        "OSTEO_DATABASE_URL": f"sqlite:///{work / 'osteo.db'}",
        "OSTEO_COOKIE_KEY": "e2e-test-cookie-key-not-secret",
    })
    yield url
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


def settle(page) -> None:
    """Wait until Streamlit has finished running the script."""
    page.wait_for_timeout(300)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=90_000)


def assert_no_exception(page) -> None:
    boxes = page.locator('[data-testid="stException"]')
    assert boxes.count() == 0, boxes.first.inner_text()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
