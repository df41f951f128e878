"""`overturn users | delete | purge`: accounts and the data folder's PHI, from the command line.

These run as the local owner of the data folder (no sign-in): whoever can run them can read the
folder anyway. `users add` prints the new account's API token as the last line of its output.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from service.config import Settings

if TYPE_CHECKING:
    from service.auth import Accounts

EXIT_OK, EXIT_BAD = 0, 2


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add the users, delete and purge commands."""
    from service.auth.roles import DEFAULT_PRACTICE, ROLES

    users = sub.add_parser("users", help="add and list accounts; make sign-in links")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    add = users_sub.add_parser("add", help="add an account; prints its API token last")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--practice", default=DEFAULT_PRACTICE, help="practice (tenant) id")
    users_sub.add_parser("list", help="list accounts (never their secrets)")
    link = users_sub.add_parser("link", help="print a one-time sign-in link for an account")
    link.add_argument("name")
    token = users_sub.add_parser("token", help="print a new API token for an account")
    token.add_argument("name")
    delete = sub.add_parser("delete", help="delete a draft: its input and letter (audit stays)")
    delete.add_argument("draft_id")
    sub.add_parser("purge", help="delete drafts older than OVERTURN_RETENTION_DAYS")


def signin_url(settings: Settings, token: str) -> str:
    """The workspace address of a one-time sign-in link."""
    host = settings.host if settings.host not in ("0.0.0.0", "::", "") else "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.port}/signin/{token}"


def _accounts(settings: Settings) -> Accounts:
    from service.auth import Accounts
    from service.resources import Resources

    return Accounts(Resources(settings).store())


def cmd_users(args: argparse.Namespace, settings: Settings) -> int:
    accounts = _accounts(settings)
    if args.users_command == "list":
        for row in accounts.list():
            print(json.dumps(row))
        return EXIT_OK
    if args.users_command == "add":
        user = accounts.add_user(args.name, args.role, args.practice)
        print(f"Added {user.name} ({user.role}) to practice {user.practice_id}.")
        link = signin_url(settings, accounts.signin_link_token(user.id))
        print(f"One-time sign-in link for the workspace (24 hours): {link}")
        print("API token (shown once; send it as Authorization: Bearer <token>):")
        print(accounts.issue_token(user.id))
        return EXIT_OK
    user = accounts.by_name(args.name)
    if args.users_command == "link":
        print(signin_url(settings, accounts.signin_link_token(user.id)))
    else:
        print(accounts.issue_token(user.id))
    return EXIT_OK


def cmd_delete(args: argparse.Namespace, settings: Settings) -> int:
    from service.resources import Resources

    Resources(settings).store().delete(args.draft_id)
    print(json.dumps({"deleted": args.draft_id}))
    return EXIT_OK


def cmd_purge(args: argparse.Namespace, settings: Settings) -> int:
    from service.resources import Resources

    purged = Resources(settings).store().purge(settings.retention_days)
    print(json.dumps({"purged": purged, "retention_days": settings.retention_days}))
    return EXIT_OK


def first_start(settings: Settings) -> str | None:
    """On a store with no account, create the admin; while no account has a password yet,
    return a fresh one-time sign-in link for it (else None)."""
    from service.auth import DEFAULT_PRACTICE

    accounts = _accounts(settings)
    if accounts.count() == 0:
        accounts.add_user("admin", "admin", DEFAULT_PRACTICE)
    if accounts.has_password():
        return None
    admin = next((u for u in accounts.list() if u["role"] == "admin"), None)
    if admin is None:
        return None
    token = accounts.signin_link_token(accounts.by_name(admin["name"]).id)
    return signin_url(settings, token)


def announce_link(link: str) -> None:
    """Print the first start's sign-in link where the person starting the server sees it."""
    print(
        "\nNo account has a password yet. Open this one-time link to sign in as admin "
        f"(valid 24 hours):\n\n    {link}\n",
        file=sys.stderr,
    )


COMMANDS = {"users": cmd_users, "delete": cmd_delete, "purge": cmd_purge}
