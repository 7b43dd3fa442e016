"""`python -m app_support.serve` (what scripts/run_app.sh starts) warms the image models from process start,
before any browser has connected, and serves the app."""

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.helpers.network import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_models_are_warm_before_any_browser_connects(tiny_models_root, tmp_path):
    port = free_port()
    env = os.environ | {"OSTEO_MODELS_DIR": str(tiny_models_root), "OSTEO_WARM_UP_MODELS": "1",
                        "OSTEO_CREDENTIALS_FILE": str(tmp_path / "none.yaml"),
                        "OSTEO_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}"}
    process = subprocess.Popen(
        [sys.executable, "-m", "app_support.serve", "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    try:
        deadline = time.time() + 150
        while time.time() < deadline:
            line = process.stderr.readline()
            if not line and process.poll() is not None:
                break
            lines.append(line)
            if "image models warm" in line:
                break
        log = "".join(lines)
        assert "image models warm" in log, log
        for name in ("body_part_gate", "knee_kl", "bone_density_knee"):
            assert f"image model {name} ready" in log, log
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=10) as response:
            assert response.status == 200
    finally:
        process.terminate()
        process.wait(timeout=30)
