"""`python -m osteo_core add-user / list-users / remove-user` with the password on stdin."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from osteo_core.auth_users import check_password
from osteo_core.store import list_audit, open_store

ROOT = Path(__file__).resolve().parents[2]


def _cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "osteo_core", *args], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, env=os.environ.copy(), timeout=120)


def test_add_user_reads_the_password_from_stdin_and_never_prints_it():
    done = _cli("add-user", "root", "--role", "admin", "--name", "First Admin", stdin="a-good-password\n")
    assert done.returncode == 0, done.stderr
    assert "a-good-password" not in done.stdout + done.stderr
    path = Path(os.environ["OSTEO_CREDENTIALS_FILE"])
    assert check_password(path, "root", "a-good-password")
    assert not check_password(path, "root", "a-wrong-password")
    listed = _cli("list-users")
    assert listed.stdout.strip() == "root\tadmin\tFirst Admin"
    assert [e.action for e in list_audit(open_store())] == ["add_user"]


def test_add_user_refuses_a_short_password_with_exit_code_2():
    done = _cli("add-user", "ana", "--role", "clinician", stdin="short\n")
    assert done.returncode == 2
    assert "at least 8 characters. Got 5" in done.stderr
    assert not Path(os.environ["OSTEO_CREDENTIALS_FILE"]).exists()


def test_add_user_without_a_password_on_stdin_fails_clearly():
    done = _cli("add-user", "ana", "--role", "clinician", stdin="")
    assert done.returncode == 2 and "No password on stdin" in done.stderr


def test_add_user_rejects_an_unknown_role():
    done = _cli("add-user", "ana", "--role", "boss", stdin="long-enough\n")
    assert done.returncode == 2 and "invalid choice: 'boss'" in done.stderr


def test_remove_user_removes_and_refuses_the_last_admin():
    assert _cli("add-user", "root", "--role", "admin", stdin="admin-password\n").returncode == 0
    assert _cli("add-user", "ana", "--role", "clinician", stdin="clinic-password\n").returncode == 0
    assert _cli("remove-user", "ana").returncode == 0
    refused = _cli("remove-user", "root")
    assert refused.returncode == 2 and "last admin" in refused.stderr
    assert _cli("list-users").stdout.split("\t")[0] == "root"
