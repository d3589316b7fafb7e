"""Core subcommands: ``run``, ``chat``, ``invite``, ``db upgrade``."""

from __future__ import annotations

import argparse

from bot.domain import Role
from bot.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    up = db_sub.add_parser("upgrade", help="apply all migrations")
    up.set_defaults(func=_db_upgrade)

    invite = sub.add_parser("invite", help="issue an invite code; the code is the last line printed")
    invite.add_argument("--role", required=True, choices=[r.value for r in Role if r != Role.PUBLIC])
    invite.add_argument("--unit", required=True, help="unit code (e.g. 110105001) or exact name")
    invite.set_defaults(func=_invite)


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from storage.migrate import upgrade

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.effective_database_url)
    print(f"database at head: {settings.effective_database_url}")
    return 0


async def _invite(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import open_core

    async with open_core(settings) as core:
        issued = await core.services.invites.issue(Role(args.role), args.unit, issuer=None)
    print(f"role {issued.role.value} for {issued.unit_name}, valid until {issued.expires_at:%Y-%m-%d %H:%M} UTC")
    print(issued.code)
    return 0
