"""Settings read from the environment, with defaults that work from a fresh clone.

* ``OSTEO_DATA_DIR`` — folder of the real data sets (default ``../shared/data`` next to the project root).
* ``OSTEO_MODELS_DIR`` — folder of shipped models (default ``models/`` in the project root).
* ``OSTEO_CREDENTIALS_FILE``, ``OSTEO_DATABASE_URL``, ``OSTEO_COOKIE_KEY_FILE``, ``OSTEO_SESSION_HOURS`` — login
  and history settings (see the functions below). The cookie key itself comes from Streamlit secrets or
  ``OSTEO_COOKIE_KEY`` (at least 32 bytes, never a placeholder).
* ``OSTEO_PDF_FONT``, ``OSTEO_CONSULT_LINKS``, ``OSTEO_WARM_UP_MODELS`` — report font, consult-links file, and
  whether the app loads the image models in the background at start.
* ``OSTEO_IMAGE_RUNTIME`` — ``litert`` (default: the image models' checked LiteRT exports, no TensorFlow needed) or
  ``keras`` (the Keras models of record).

This is the only module that reads the environment (an architecture test checks it).
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PDF_FONT_ENV = "OSTEO_PDF_FONT"
CONSULT_LINKS_ENV = "OSTEO_CONSULT_LINKS"
COOKIE_KEY_ENV = "OSTEO_COOKIE_KEY"
WARM_UP_ENV = "OSTEO_WARM_UP_MODELS"
IMAGE_RUNTIME_ENV = "OSTEO_IMAGE_RUNTIME"
IMAGE_RUNTIMES = ("litert", "keras")


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

    While this file does not exist the app runs in local mode (no login): it then serves only clients on this
    computer (127.0.0.1 / ::1) and ``scripts/run_app.sh`` listens on the loopback address only.
    """
    return _project_path(os.environ.get("OSTEO_CREDENTIALS_FILE", "var/credentials.yaml"))


def database_url() -> str:
    """SQLAlchemy URL of the history database: ``OSTEO_DATABASE_URL``, default ``sqlite:///var/osteo.db``.

    A relative SQLite path is taken from the project root (a ``sqlite:///file:…?mode=ro&uri=true`` URI is kept as
    given); PostgreSQL works as ``postgresql+psycopg://user:password@host:5432/dbname`` (``psycopg`` is pinned in
    requirements.txt) or, over a local socket, ``postgresql+psycopg://user@/dbname?host=/var/run/postgresql``.
    """
    url = os.environ.get("OSTEO_DATABASE_URL", "sqlite:///var/osteo.db")
    prefix = "sqlite:///"
    if (url.startswith(prefix) and url != prefix + ":memory:" and not url.startswith(prefix + "/")
            and not url.startswith(prefix + "file:")):
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


def _path_setting(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value).expanduser() if value else None


def pdf_font_file() -> Path | None:
    """A TTF font for PDF reports from ``OSTEO_PDF_FONT`` (``~`` expanded), or ``None`` when not set."""
    return _path_setting(PDF_FONT_ENV)


def consult_links_file() -> Path | None:
    """The consult-links YAML named by ``OSTEO_CONSULT_LINKS`` (``~`` expanded), or ``None`` when not set."""
    return _path_setting(CONSULT_LINKS_ENV)


def cookie_key_setting() -> str | None:
    """The login-cookie key from ``OSTEO_COOKIE_KEY`` (not validated here), or ``None`` when not set or empty."""
    return os.environ.get(COOKIE_KEY_ENV) or None


def warm_up_models() -> bool:
    """Whether the app loads the image models in the background at start: off only with ``OSTEO_WARM_UP_MODELS=0``."""
    return os.environ.get(WARM_UP_ENV, "1") != "0"


def image_runtime() -> str:
    """How the image models run: ``litert`` (default; falls back to Keras for a model without a LiteRT export) or
    ``keras``, from ``OSTEO_IMAGE_RUNTIME``. Raises ValueError for any other value."""
    value = os.environ.get(IMAGE_RUNTIME_ENV, "litert").strip().lower() or "litert"
    if value not in IMAGE_RUNTIMES:
        raise ValueError(f"{IMAGE_RUNTIME_ENV} must be one of {', '.join(IMAGE_RUNTIMES)}. Got {value!r}.")
    return value


def cli_locale() -> str | None:
    """The command line's locale, the POSIX way: ``LC_ALL``, then ``LC_MESSAGES``, then ``LANG`` (first one set)."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if os.environ.get(name):
            return os.environ[name]
    return None
