"""Settings read from the environment, with defaults that work from a fresh clone.

* ``OSTEO_DATA_DIR`` — folder of the real data sets (default ``../shared/data`` next to the project root).
* ``OSTEO_MODELS_DIR`` — folder of shipped models (default ``models/`` in the project root).
* ``OSTEO_CREDENTIALS_FILE``, ``OSTEO_DATABASE_URL``, ``OSTEO_COOKIE_KEY_FILE``, ``OSTEO_SESSION_HOURS`` — login
  and history settings (see the functions below). The cookie key itself comes from Streamlit secrets or
  ``OSTEO_COOKIE_KEY``.
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


def _project_path(value: str | os.PathLike[str]) -> Path:
    """A path from a setting: ``~`` expanded, relative paths taken from the project root."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


def credentials_file() -> Path:
    """Login credentials (bcrypt hashes, roles): ``OSTEO_CREDENTIALS_FILE``, default ``var/credentials.yaml``.

    While this file does not exist the app runs in local mode (no login).
    """
    return _project_path(os.environ.get("OSTEO_CREDENTIALS_FILE", "var/credentials.yaml"))


def database_url() -> str:
    """SQLAlchemy URL of the history database: ``OSTEO_DATABASE_URL``, default ``sqlite:///var/osteo.db``.

    A relative SQLite path is taken from the project root; PostgreSQL works as
    ``postgresql+psycopg://user:password@host/dbname`` (driver installed separately).
    """
    url = os.environ.get("OSTEO_DATABASE_URL", "sqlite:///var/osteo.db")
    prefix = "sqlite:///"
    if url.startswith(prefix) and url != prefix + ":memory:" and not url.startswith(prefix + "/"):
        return prefix + str(_project_path(url[len(prefix):]))
    return url


def cookie_key_file() -> Path:
    """Where a random login-cookie key is generated when none is given in secrets or ``OSTEO_COOKIE_KEY``."""
    return _project_path(os.environ.get("OSTEO_COOKIE_KEY_FILE", "var/cookie_key"))


def session_hours() -> float:
    """Lifetime of the login cookie in hours: ``OSTEO_SESSION_HOURS``, default 8.

    Raises ValueError when the setting is not a number between 0.1 and 720.
    """
    raw = os.environ.get("OSTEO_SESSION_HOURS", "8")
    try:
        hours = float(raw)
    except ValueError:
        raise ValueError(f"OSTEO_SESSION_HOURS must be a number of hours. Got {raw!r}.") from None
    if not 0.1 <= hours <= 720:
        raise ValueError(f"OSTEO_SESSION_HOURS must be between 0.1 and 720 (hours). Got {raw!r}.")
    return hours
