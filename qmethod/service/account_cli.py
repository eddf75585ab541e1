"""``qmethod user add|passwd|list|remove``: researcher accounts from the command line.

Passwords are asked twice without echo (getpass), or read from standard input with
``--password-stdin`` (first line; for scripts). The database is ``--database`` or
``QMETHOD_DATABASE_URL`` or ``var/qmethod.sqlite``, as for the app.
"""
from __future__ import annotations

import argparse
import getpass
import sys

from ..errors import QMethodError

__all__ = ["register"]


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    first = getpass.getpass("New password: ")
    second = getpass.getpass("Repeat the password: ")
    if first != second:
        raise QMethodError("The two passwords differ; nothing was changed.")
    return first


def _db(args: argparse.Namespace):
    from ..store.db import open_database

    return open_database(args.database)


def cmd_user(args: argparse.Namespace) -> int:
    from . import accounts

    db = _db(args)
    try:
        if args.user_command == "add":
            r = accounts.create_account(db, args.name, _password(args))
            print(f"Account {r.username!r} created.")
        elif args.user_command == "passwd":
            accounts.set_password(db, args.name, _password(args))
            print(f"Password of {args.name!r} changed; its sessions were ended and it is unlocked.")
        elif args.user_command == "remove":
            accounts.delete_account(db, args.name)
            print(f"Account {args.name!r} removed.")
        else:
            for r in accounts.list_accounts(db):
                last = r.last_login_at.strftime("%Y-%m-%d %H:%M UTC") if r.last_login_at else "never"
                print(f"{r.username:24s} created {r.created_at:%Y-%m-%d}  last login {last}")
    finally:
        db.dispose()
    return 0


def register(sub) -> None:
    """Add ``user`` to the ``qmethod`` command's subparsers."""
    u = sub.add_parser("user", help="researcher accounts: add, passwd, list, remove",
                       description="Manage researcher accounts (Argon2id-hashed passwords).")
    u.add_argument("--database", help="database URL (default: QMETHOD_DATABASE_URL or var/qmethod.sqlite)")
    us = u.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    for name, help_ in (("add", "create an account"), ("passwd", "set a new password (also unlocks)")):
        p = us.add_parser(name, help=help_)
        p.add_argument("name")
        p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    r = us.add_parser("remove", help="delete an account")
    r.add_argument("name")
    us.add_parser("list", help="list accounts")
    u.set_defaults(func=cmd_user)
