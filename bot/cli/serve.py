"""Core subcommands: ``run``, ``chat``, ``invite``, ``db upgrade``."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC

from bot.domain import Role
from bot.services.role_words import parse_role, role_words
from bot.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``hazardbot db upgrade``, ``invite``, ``run`` and ``chat`` to the subcommands."""
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    up = db_sub.add_parser("upgrade", help="apply all migrations")
    up.set_defaults(func=_db_upgrade)

    invite = sub.add_parser("invite", help="issue an invite code; the code is the last line printed")
    invite.add_argument("--role", required=True, type=_role,
                        help="the role, by its Chinese name or code: " + role_words())
    invite.add_argument("--unit", required=True, help="unit code (e.g. 110105001) or name (short and former names too: 建外, 区安监局)")
    invite.add_argument("--name", help="the person's name as records and papers print it (registered name; "
                                       "default: their Telegram name)")
    invite.set_defaults(func=_invite)
    register_run(sub)


def _role(text: str) -> Role:
    """``--role``: a role's Chinese name, short form or code (``bot.services.role_words.parse_role``)."""
    role = parse_role(text)
    if role is None:
        raise argparse.ArgumentTypeError(f"没有这个角色：{text!r}。可用的角色：{role_words()}")
    return role


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy.engine import make_url

    from storage.migrate import upgrade

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.effective_database_url)
    print(f"数据库已升级到最新版本：{make_url(settings.effective_database_url).render_as_string(hide_password=True)}")
    return 0


async def _invite(args: argparse.Namespace, settings: Settings) -> int:
    from bot.core import open_core
    from bot.i18n import DEFAULT_LOCALE
    from bot.services import notice_texts
    from bot.services.contacts_import import NAME_FAULTS
    from bot.services.errors import NameInvalid, RoleNotForUnit, UnknownUnit
    from bot.services.invites import invited_name
    from reminders.texts import Text

    try:
        invited_name(args.name)  # a bad name is refused before the database is opened
    except NameInvalid as exc:
        print(f"--name {args.name!r}：{NAME_FAULTS[exc.params['reason']]}。", file=sys.stderr)
        return 1
    async with open_core(settings) as core:
        try:
            issued = await core.services.invites.issue(args.role, args.unit, issuer=None, name=args.name)
        except UnknownUnit as exc:
            like = f"是否指：{exc.params['suggestions']}？" if exc.params.get("suggestions") else ""
            print(f"没有这个单位：{exc.params['unit']!r}。{like}请给出街乡代码（如 110105001）或单位名称（如 建外街道、建外、区房管局）；"
                  "全区范围的领导和安委办人员属于「区安委会办公室」。", file=sys.stderr)
            return 1
        except RoleNotForUnit as exc:
            print(f"安委办工作人员只属于「区安委会办公室」，不能属于{exc.params['unit']}。", file=sys.stderr)
            return 1
        expires = issued.expires_at.replace(tzinfo=UTC).astimezone(core.clock.tz) if issued.expires_at.tzinfo is None \
            else issued.expires_at.astimezone(core.clock.tz)
        zone = "北京时间" if str(core.clock.tz) == "Asia/Shanghai" else str(core.clock.tz)
    role = Text(notice_texts.role_name, (issued.role.value,)).render(DEFAULT_LOCALE)
    named = f"，登记姓名 {issued.registered_name}" if issued.registered_name else ""
    print(f"邀请码：{issued.unit_name} · {role}{named}，有效期至 {expires:%Y-%m-%d %H:%M}（{zone}）。"
          f"在机器人中发送 /bind {issued.code} 完成绑定：")
    print(issued.code)
    return 0


def register_run(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``hazardbot run`` (polling, or ``--webhook`` with ``--listen``) and ``hazardbot chat`` (a local
    chat in the terminal) to the subcommands."""
    run = sub.add_parser("run", help="run the bot against a Bot API server (long polling, or --webhook)")
    run.add_argument("--api-url", help="Bot API server base URL (default https://api.telegram.org)")
    run.add_argument("--proxy", help="HTTP or SOCKS proxy URL for the Bot API connection")
    run.add_argument("--webhook", metavar="URL", help="serve Telegram's webhook at this public HTTPS URL instead of polling")
    run.add_argument("--listen", metavar="HOST:PORT", default="127.0.0.1:8080",
                     help="address the webhook server listens on (default 127.0.0.1:8080)")
    run.set_defaults(func=_run)

    chat = sub.add_parser("chat", help="talk to the bot in this terminal: no token, no network")
    chat.add_argument("--user-id", type=_telegram_id, default=10001, help="Telegram user id to act as (default 10001)")
    chat.add_argument("--name", help="display name (default: the name already stored for --user-id; "
                                      "本地用户 / Local user for someone new)")
    chat.add_argument("--lang", default="zh-hans", help="Telegram language code (zh-hans or en)")
    chat.set_defaults(func=_chat)


def _telegram_id(text: str) -> int:
    """``--user-id`` as ``/as`` reads it: a whole number Telegram can give a person (1 … 2**52-1); anything else
    is refused here, since the bot ignores updates from ids Telegram cannot have and the chat would stay silent."""
    from bot.middlewares import TELEGRAM_ID_LIMIT

    user_id = int(text) if text.isascii() and text.isdigit() else 0
    if not 0 < user_id < TELEGRAM_ID_LIMIT:
        raise argparse.ArgumentTypeError(f"{text!r} 不是有效的用户 ID：请给出 1 到 {TELEGRAM_ID_LIMIT - 1} 之间的整数")
    return user_id


async def _chat(args: argparse.Namespace, settings: Settings) -> int:
    from bot.serving_lock import serving
    from bot.terminal import run_chat

    with serving(settings.effective_database_url):  # restore refuses while this is held
        return await run_chat(settings, args.user_id, args.name, args.lang)


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.polling import run_polling
    from bot.serving_lock import serving

    if args.api_url:
        settings.api_url = args.api_url
    if args.proxy:
        settings.proxy = args.proxy
    if settings.token is None:
        print("未设置 HAZARDBOT_TOKEN：请向 @BotFather 申请令牌（或先用 `hazardbot chat` 在终端中试用）。")
        return 2
    if args.webhook:
        from bot.webhook import parse_listen, run_webhook

        try:
            parse_listen(args.listen)  # a malformed address fails before anything opens
        except ValueError:
            print(f"--listen 应为 主机:端口（如 127.0.0.1:8080），而不是 {args.listen!r}")
            return 2
        with serving(settings.effective_database_url):  # restore refuses while this is held
            await run_webhook(settings, args.webhook, args.listen)
        return 0
    with serving(settings.effective_database_url):
        await run_polling(settings)
    return 0
