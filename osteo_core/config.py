"""Settings read from the environment, with defaults that work from a fresh clone.

* ``OSTEO_DATA_DIR`` — folder of the real data sets (default ``../shared/data`` next to the project root).
* ``OSTEO_MODELS_DIR`` — folder of shipped models (default ``models/`` in the project root).
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """Folder holding the real data sets (may not exist: callers check and explain)."""
    return Path(os.environ.get("OSTEO_DATA_DIR", PROJECT_ROOT.parent / "shared" / "data")).expanduser()


def models_dir() -> Path:
    """Folder holding the shipped models, their cards and evaluation files."""
    return Path(os.environ.get("OSTEO_MODELS_DIR", PROJECT_ROOT / "models")).expanduser()
