"""Command-line user management, added to ``python -m osteo_core``:

    python -m osteo_core add-user NAME --role admin|clinician|analyst|demo [--name "Full Name"] [--email E]
    python -m osteo_core add-user NAME --role ROLE --replace     # new password: unlocks the user, ends sessions
    python -m osteo_core list-users
    python -m osteo_core remove-user NAME

The password is read from stdin: typed twice without echo at a terminal, or the first line of piped input
(``printf '%s\\n' "$PW" | python -m osteo_core add-user ana --role clinician``). It is never printed.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from osteo_core.auth_users import ROLES, UserError, add_user, list_users, remove_user
from osteo_core.config import credentials_file
from osteo_core.i18n import _


def read_password(stdin=None) -> str:  # noqa: ANN001 (a text stream)
    """The new password from ``stdin``: prompted twice without echo at a terminal, else its first line.

    Raises :class:`UserError` when stdin is empty or the two typed passwords differ.
    """
    stdin = stdin or sys.stdin
    if stdin.isatty():
        first = getpass.getpass(_("Password (not shown): "))
        if getpass.getpass(_("Same password again: ")) != first:
            raise UserError(_("The two passwords differ; nothing was changed."))
        return first
    line = stdin.readline()
    if not line:
        raise UserError(_("No password on stdin; pipe one line, e.g. {example}").format(
            example="printf '%s\\n' \"$PW\" | python -m osteo_core ..."))
    return line.rstrip("\r\n")


def _audit(action: str, detail: str, unlock: str | None = None) -> None:
    from osteo_core.store import StoreError, audit, open_store
    from osteo_core.store.logins import clear_failures

    try:
        engine = open_store()
        if unlock:  # an admin locked out by someone guessing their password gets back in with a new one
            clear_failures(engine, unlock)
        audit(engine, "cli", action, detail)
    except StoreError as exc:  # the user file is already written; the audit line is best effort
        text = (_("warning: audit log not written and user not unlocked: {error}") if unlock
                else _("warning: audit log not written: {error}"))
        print(text.format(error=exc), file=sys.stderr)


def _add_user(args: argparse.Namespace) -> int:
    path = credentials_file()
    password = read_password()
    add_user(path, args.username, args.role, password, name=args.name, email=args.email, replace=args.replace)
    _audit("add_user", f"{args.username} as {args.role}" + (" (replaced)" if args.replace else ""),
           unlock=args.username if args.replace else None)
    text = (_("updated user {name} with role {role} in {path}") if args.replace
            else _("added user {name} with role {role} in {path}"))
    print(text.format(name=repr(args.username), role=args.role, path=path), file=sys.stderr)
    return 0


def _list_users(_args: argparse.Namespace) -> int:
    path = credentials_file()
    users = list_users(path)
    if not users:
        print(_("no users in {path} (the app runs in local mode without login)").format(path=path), file=sys.stderr)
    for username, role, name in users:
        print(f"{username}\t{role or '-'}\t{name}")
    return 0


def _remove_user(args: argparse.Namespace) -> int:
    path = credentials_file()
    remove_user(path, args.username)
    _audit("remove_user", args.username)
    print(_("removed user {name} from {path}").format(name=repr(args.username), path=path), file=sys.stderr)
    return 0


def add_user_commands(commands: argparse._SubParsersAction) -> None:
    """Register ``add-user``, ``list-users`` and ``remove-user`` on the ``python -m osteo_core`` parser."""
    add = commands.add_parser("add-user", help=_("add a login user (password read from stdin)"))
    add.add_argument("username", help=_("login name: 2–32 lower-case letters, digits, _ . -"))
    add.add_argument("--role", required=True, choices=ROLES, help=_("what the user may open"))
    add.add_argument("--name", help=_("full name shown in the app"))
    add.add_argument("--email")
    add.add_argument("--replace", action="store_true",
                     help=_("change an existing user (a new password or role): also clears their failed logins "
                            "(unlocks them) and ends their open sessions"))
    add.set_defaults(func=_add_user)
    listing = commands.add_parser("list-users", help=_("list login users and their roles"))
    listing.set_defaults(func=_list_users)
    remove = commands.add_parser("remove-user", help=_("remove a login user (not the last admin)"))
    remove.add_argument("username")
    remove.set_defaults(func=_remove_user)
