"""Refresh docs/screenshots/ from this run's e2e screenshots (synthetic data only). Runs last in tests/e2e and only
with OSTEO_UPDATE_SCREENSHOTS=1: `OSTEO_UPDATE_SCREENSHOTS=1 .venv/bin/pytest tests/e2e`."""

from __future__ import annotations

import os

import pytest

from tests.e2e.conftest import ROOT, SCREENSHOTS, SESSION_STARTED

pytestmark = [pytest.mark.e2e, pytest.mark.screenshots]

DOCS = ROOT / "docs" / "screenshots"
CURATED = ("home", "clinical_risk", "knee_staging", "image_screening", "cohort", "recommendations",
           "patient_timeline", "demo_cases", "login")
MAX_BYTES = 400 * 1024


def _write_small(source, target) -> None:
    """Copy a PNG; one over ``MAX_BYTES`` is saved as an optimised 256-colour palette PNG instead."""
    from PIL import Image

    data = source.read_bytes()
    if len(data) <= MAX_BYTES:
        target.write_bytes(data)
        return
    with Image.open(source) as image:
        image.convert("RGB").quantize(colors=256).save(target, optimize=True)


@pytest.mark.skipif(os.environ.get("OSTEO_UPDATE_SCREENSHOTS") != "1",
                    reason="set OSTEO_UPDATE_SCREENSHOTS=1 to refresh docs/screenshots/ from this e2e run")
def test_copy_curated_screenshots_to_docs():
    stale = [name for name in CURATED if not (SCREENSHOTS / f"{name}.png").exists()
             or (SCREENSHOTS / f"{name}.png").stat().st_mtime < SESSION_STARTED]
    assert not stale, f"not taken in this run (run the whole of tests/e2e): {stale}"
    DOCS.mkdir(parents=True, exist_ok=True)
    for name in CURATED:
        _write_small(SCREENSHOTS / f"{name}.png", DOCS / f"{name}.png")
        assert (DOCS / f"{name}.png").stat().st_size <= MAX_BYTES, name
