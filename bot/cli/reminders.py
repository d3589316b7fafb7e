"""Subcommands ``hazardbot reminders preview --on DATE``, ``hazardbot reminders run`` and
``hazardbot import contacts FILE``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from pathlib import Path

from bot.cli.args import iso_date
from bot.settings import Settings

WEEKDAYS = "一二三四五六日"


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")


def _zone_name(zone: str) -> str:
    """``北京时间`` for Asia/Shanghai (as the invite line says), else the zone's name."""
    return "北京时间" if zone == "Asia/Shanghai" else zone


def _subparsers_of(sub: argparse._SubParsersAction, name: str, help_text: str) -> argparse._SubParsersAction:  # type: ignore[type-arg]
    """The subparsers of command ``name``, created unless another module did already (``import``
    is shared with other importers)."""
    parser = sub.choices.get(name)
    if parser is None:
        parser = sub.add_parser(name, help=help_text)
        return parser.add_subparsers(dest=f"{name}_command", required=True)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return parser.add_subparsers(dest=f"{name}_command", required=True)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``hazardbot reminders preview|run`` and the contacts import to the subcommands."""
    rem = _subparsers_of(sub, "reminders", "reminders: preview, run")
    preview = rem.add_parser("preview", help="print what the reminders would say on a day, without sending")
    preview.add_argument("--on", required=True, type=iso_date, help="the day, e.g. 2019-03-25")
    preview.add_argument("--unit", help="only this unit (name)")
    preview.set_defaults(func=_preview)
    run = rem.add_parser("run", help="run the reminder scheduler and sender alone (needs the bot token)")
    run.set_defaults(func=_run)

    _register_import_contacts(sub)


def _register_import_contacts(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """``hazardbot import contacts FILE``. ``import`` belongs to ``bot.cli.excel`` (a ``kind``
    positional: hazards, inspections, plans) when that module is loaded first: ``contacts`` is added
    to its kinds and routed here; otherwise this module creates ``import`` itself."""
    imp = sub.choices.get("import")
    if imp is None:
        imp = sub.add_parser("import", help="import data from files")
        imp.add_argument("kind", choices=["contacts"])
        imp.add_argument("file", type=Path)
        imp.set_defaults(func=_import_contacts)
        return
    kind = next((a for a in imp._actions if a.dest == "kind"), None)
    if kind is None or kind.choices is None:
        raise RuntimeError("`import` has no kind argument to extend with `contacts`")
    kind.choices = [*kind.choices, "contacts"]
    kind.help = (kind.help or "") + " (contacts: 附件4 工作联系表, .xlsx or .csv)"
    theirs = imp.get_default("func")

    def route(args: argparse.Namespace, settings: Settings):  # type: ignore[no-untyped-def]
        return _import_contacts(args, settings) if args.kind == "contacts" else theirs(args, settings)

    imp.set_defaults(func=route)


@contextlib.asynccontextmanager
async def _core(settings: Settings):  # type: ignore[no-untyped-def]
    """The core on the configured database, migrated and with the unit registry loaded."""
    from bot.core import open_core

    async with open_core(settings) as core:
        yield core


def _subject(subject: str) -> str:
    """``unit:3`` → ``单位#3``, ``hazard:7`` → ``隐患#7``, ``district`` → ``全区`` (the reminder's subject, as the
    outbox keys it)."""
    kind, colon, number = subject.partition(":")
    if not colon:
        return {"district": "全区"}.get(subject, subject)
    return {"unit": "单位", "hazard": "隐患"}.get(kind, kind) + "#" + number


def format_preview(run, unit_id: int | None = None) -> str:  # type: ignore[no-untyped-def]
    """The preview as text: per reminder its rule, subject, recipients (bound or not) and message."""
    day = run.day
    head = f"{day.isoformat()}（星期{WEEKDAYS[day.weekday()]}）"
    if not run.working_day:
        return f"{head}不是工作日：不发送提醒（到期的提醒在下一个工作日发送）。"
    shown = [r for r in run.due if unit_id is None or r.unit_id == unit_id]
    lines = [f"{head}工作日：{len(shown)}条提醒"]
    for r in shown:
        people = "、".join(
            f"{p.name or '#' + str(p.user_id)}" + ("" if p.bound else "（未绑定，不发送）") for p in r.recipients
        ) or "（无收件人：请导入工作联系表）"
        lines.append(f"\n[{r.rule}] {_subject(r.subject)} {r.period} → {people}")
        lines.append(f"  {r.text}")
        lines.append(f"  按钮：{r.button}（{r.action.pack()}）")
    return "\n".join(lines)


async def _preview(args: argparse.Namespace, settings: Settings) -> int:
    from reminders.service import preview

    unit_id = None
    async with _core(settings) as core:
        if args.unit:
            unit_id = await _find_unit(core.uow, args.unit)
            if unit_id is None:
                _say(f"没有名为“{args.unit}”的单位")
                return 2
        run = await preview(core.uow, args.on, core.rules.cal, core.reminders, core.clock.tz)
    _say(format_preview(run, unit_id))
    return 0


async def _find_unit(uow, text: str) -> int | None:  # type: ignore[no-untyped-def]
    from bot.services.unit_lookup import unit_named

    async with uow() as u:
        found = await unit_named(u.session, text)
    return None if found is None else found.id


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    from reminders.scheduler import running_reminders

    if settings.token is None:
        _say("未设置 HAZARDBOT_TOKEN：发送提醒需要机器人令牌")
        return 2
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.api_url), proxy=settings.proxy)
    bot = Bot(settings.token.get_secret_value(), session=session)
    try:
        async with _core(settings) as core, running_reminders(bot, core.uow, core.reminders, core.clock.tz, core.clock,
                                                              core.rules.cal, prune=core.prune_job()):
            cfg = core.reminders
            _say(f"提醒已启动：每个工作日 {cfg.hour:02d}:{cfg.minute:02d}（{_zone_name(settings.timezone)}）检查并发送")
            await asyncio.Event().wait()
    finally:
        await bot.session.close()
    return 0


async def _import_contacts(args: argparse.Namespace, settings: Settings) -> int:
    from bot.channels import CONTACTS_IMPORT
    from bot.services.actors import Actor
    from bot.services.contacts_import import ContactsImportRejected
    from bot.sheet_refusals import sheet_refusal_zh
    from storage.excel.guard import SpreadsheetRefused

    if getattr(args, "unit", None):  # the shared `import` parser offers --unit; a contact sheet names its units
        sys.stderr.write("--unit 不适用于工作联系表：每一行都写明了所属单位（单位）\n")
        return 2
    from bot.core import open_core

    async with open_core(settings) as core:  # migrated, with the registry's units loaded
        system = Actor(0, CONTACTS_IMPORT, "工作联系表导入", (), is_admin=True)
        try:  # bounded and read in the parse worker, as a file sent to the bot
            report = await core.services.contacts.import_file(system, args.file, args.file.name)
        except SpreadsheetRefused as exc:
            _say(f"{args.file.name}：{sheet_refusal_zh(exc.params)}未导入任何数据。")
            return 1
        except ContactsImportRejected as exc:
            _say(f"{args.file.name}：{exc.total}处错误，未导入任何数据。")
            for problem in exc.problems:
                _say(f"  {problem}")
            return 1
    _say(f"已导入{report.units}个单位的{report.contacts}名联系人（保留{report.bindings_kept}个已绑定账号）。")
    return 0
