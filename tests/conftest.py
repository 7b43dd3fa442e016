"""Shared fixtures: synthetic patients and tables made here, real data only through ``real_data_dir``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from osteo_core.config import data_dir

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def real_data_dir() -> Path:
    """The shared real-data folder; skips the test with a clear reason when it is absent."""
    folder = data_dir()
    if not folder.is_dir():
        pytest.skip(f"real data folder {folder} is absent (set OSTEO_DATA_DIR to run this test)")
    return folder


@pytest.fixture
def synthetic_cohort() -> pd.DataFrame:
    """Six synthetic patients as text, in NHANES-style column names, including two bad rows."""
    return pd.DataFrame(
        {
            "patient_id": ["p1", "p2", "p3", "p4", "p5", "p6"],
            "age": ["67", "45", "12", "80", "55", "abc"],
            "sex": ["F", "male", "female", "f", "M", "female"],
            "weight_kg": ["58", "90", "40", "50.5", "72", "60"],
            "height_cm": ["160", "180", "150", "155", "175", "160"],
            "smoker_current": ["yes", "0", "no", "1", "", "no"],
            "glucocorticoids_ever_daily": ["0", "1", "0", "", "no", "0"],
            "note": ["=cmd|'/c calc'!A1", "", "x", "ünïcødé", "", ""],
        }
    )


@pytest.fixture(autouse=True)
def isolated_login_and_history(tmp_path_factory, monkeypatch):
    """Every test gets its own (absent) credentials file, history database and cookie key: local mode, no real data.

    Tests of login set ``OSTEO_CREDENTIALS_FILE`` to a file they create (see tests/auth).
    """
    from osteo_core.store.engine import close_all

    folder = tmp_path_factory.mktemp("osteo_var")
    monkeypatch.setenv("OSTEO_CREDENTIALS_FILE", str(folder / "credentials.yaml"))
    monkeypatch.setenv("OSTEO_DATABASE_URL", f"sqlite:///{folder / 'osteo.db'}")
    monkeypatch.setenv("OSTEO_COOKIE_KEY_FILE", str(folder / "cookie_key"))
    monkeypatch.setenv("OSTEO_COOKIE_KEY", "test-cookie-key-" + "x" * 32)
    monkeypatch.setenv("OSTEO_WARM_UP_MODELS", "0")  # AppTests load only what a page asks for (tests turn it on)
    yield folder
    close_all()


@pytest.fixture(autouse=True)
def restore_main_module():
    """AppTest can leave ``sys.modules['__main__']`` pointing at a page script after ``st.stop()``; a process
    spawned later (Dask workers, process pools) would then re-run that page and die. Put the real one back."""
    import sys

    main = sys.modules.get("__main__")
    yield
    if main is not None:
        sys.modules["__main__"] = main
