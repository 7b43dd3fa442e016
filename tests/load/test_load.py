"""Bounded load test: 20 browser sessions at once on one server (127.0.0.1), one round each (score, save, upload,
score a cohort), at most a few minutes. No error, no lost or doubled write. Timings are printed, never asserted
(the 2-minute version with p95 is benchmarks/bench_load.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.bench_load import CHROMIUM, run_load

pytestmark = pytest.mark.e2e


def test_twenty_sessions_at_once_lose_no_write_and_raise_no_error():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium); scripts/run_tests.sh installs it")
    pytest.importorskip("playwright.async_api", reason="playwright is not installed")
    report = run_load(sessions=20, seconds=300, rounds=1)
    print(report)
    assert report["errors"] == []
    assert report["saves_confirmed"] == 20
    assert report["lost_writes"] == [] and report["duplicate_writes"] == []
