"""A throwaway PostgreSQL cluster for the store tests: ``initdb`` + ``pg_ctl`` in a temp folder, socket only.

Used when Debian's ``postgresql`` package is installed (``scripts/run_tests.sh`` installs it as root) and the
``psycopg`` driver is importable; otherwise the PostgreSQL variants of the tests skip and say why. As root the
server runs as the ``postgres`` user (``runuser``), because PostgreSQL refuses to run as root. Set
``OSTEO_TEST_POSTGRES_URL`` (e.g. ``postgresql+psycopg://me@/postgres?host=/var/run/postgresql``) to use an
existing server instead: each test then gets its own database there, dropped afterwards.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa


class PostgresUnavailableError(RuntimeError):
    """Why no PostgreSQL server can be started here (the test skips with this reason)."""


def _program(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)),
                                       None)
    if not found:
        raise PostgresUnavailableError(f"PostgreSQL's {name} is not installed (apt-get install postgresql; "
                                  "scripts/run_tests.sh does it when run as root)")
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def throwaway_cluster() -> Iterator[str]:
    """Start a cluster listening only on a Unix socket in a temp folder; yields its admin SQLAlchemy URL.

    Raises :class:`PostgresUnavailableError` when the server programs, the driver or a non-root user are missing.
    """
    if url := os.environ.get("OSTEO_TEST_POSTGRES_URL"):
        yield url
        return
    try:
        import psycopg  # noqa: F401 - the driver the URLs name
    except ImportError as exc:
        raise PostgresUnavailableError(f"the psycopg driver is not installed ({exc})") from None
    initdb, pg_ctl = _program("initdb"), _program("pg_ctl")
    folder = Path(tempfile.mkdtemp(prefix="osteo-pg-"))
    run_as: list[str] = []
    if os.getuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(folder, ignore_errors=True)
            raise PostgresUnavailableError("running as root without a 'postgres' user to run the server as") from None
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        run_as = [shutil.which("runuser") or "runuser", "-u", "postgres", "--"]
    data, port = folder / "data", _free_port()
    options = f"-k {folder} -p {port} -c listen_addresses='' -c fsync=off -c max_connections=200"
    try:
        subprocess.run([*run_as, initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
                       check=True, capture_output=True, timeout=120)
        subprocess.run([*run_as, pg_ctl, "-D", str(data), "-l", str(folder / "server.log"), "-w", "-t", "60",
                        "-o", options, "start"], check=True, capture_output=True, timeout=90)
    except (subprocess.SubprocessError, OSError) as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise PostgresUnavailableError(f"the throwaway PostgreSQL cluster did not start: {exc}") from None
    try:
        yield f"postgresql+psycopg://postgres@/postgres?host={folder}&port={port}"
    finally:
        subprocess.run([*run_as, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True,
                       timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    """A new empty database on the server of ``admin_url``; yields its URL and drops it afterwards."""
    name = f"osteo_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {name}")
        yield sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        from osteo_core.store.engine import close_all

        close_all()
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()
