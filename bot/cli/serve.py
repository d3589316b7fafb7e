"""Core subcommands: ``run``, ``chat``, ``invite``, ``db upgrade``."""

from __future__ import annotations

import argparse
import sys

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
    register_run(sub)


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from storage.migrate import upgrade

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.effective_database_url)
    print(f"database at head: {settings.effective_database_url}")
    return 0


async def _invite(args: argparse.Namespace, settings: Settings) -> int:
    from bot.core import open_core
    from bot.services.errors import RoleNotForUnit, UnknownUnit

    async with open_core(settings) as core:
        try:
            issued = await core.services.invites.issue(Role(args.role), args.unit, issuer=None)
        except UnknownUnit:
            print(f"unknown unit {args.unit!r}: give a township code (e.g. 110105001) or an exact unit name",
                  file=sys.stderr)
            return 1
        except RoleNotForUnit as exc:
            print(f"the office role is held at 区安委会办公室 only, not at {exc.params['unit']}", file=sys.stderr)
            return 1
    print(f"邀请码：{issued.unit_name} / {issued.role.value}，有效期至 {issued.expires_at:%Y-%m-%d %H:%M} UTC。"
          "在机器人中发送 /bind 邀请码 完成绑定：")
    print(issued.code)
    return 0


def register_run(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    run = sub.add_parser("run", help="run the bot against a Bot API server (long polling, or --webhook)")
    run.add_argument("--api-url", help="Bot API server base URL (default https://api.telegram.org)")
    run.add_argument("--proxy", help="HTTP or SOCKS proxy URL for the Bot API connection")
    run.add_argument("--webhook", metavar="URL", help="serve Telegram's webhook at this public HTTPS URL instead of polling")
    run.add_argument("--listen", metavar="HOST:PORT", default="127.0.0.1:8080",
                     help="address the webhook server listens on (default 127.0.0.1:8080)")
    run.set_defaults(func=_run)

    chat = sub.add_parser("chat", help="talk to the bot in this terminal: no token, no network")
    chat.add_argument("--user-id", type=int, default=10001, help="Telegram user id to act as (default 10001)")
    chat.add_argument("--name", default="本地用户", help="display name")
    chat.add_argument("--lang", default="zh-hans", help="Telegram language code (zh-hans or en)")
    chat.set_defaults(func=_chat)


async def _chat(args: argparse.Namespace, settings: Settings) -> int:
    from bot.terminal import run_chat

    return await run_chat(settings, args.user_id, args.name, args.lang)


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.polling import run_polling

    if args.api_url:
        settings.api_url = args.api_url
    if args.proxy:
        settings.proxy = args.proxy
    if settings.token is None:
        print("HAZARDBOT_TOKEN is not set: get a token from @BotFather (or use `hazardbot chat`).")
        return 2
    if args.webhook:
        from bot.webhook import parse_listen, run_webhook

        try:
            parse_listen(args.listen)  # a malformed address fails before anything opens
        except ValueError as exc:
            print(exc)
            return 2
        await run_webhook(settings, args.webhook, args.listen)
        return 0
    await run_polling(settings)
    return 0
