"""``hazardbot run``: long polling against any Bot API server, with the command menu set at start."""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot, Dispatcher
from aiogram.types import BotCommand

from bot.app import build_bot, build_dispatcher
from bot.core import open_core
from bot.settings import Settings
from reminders.scheduler import running_reminders

log = logging.getLogger("hazardbot")

COMMANDS = {
    "zh": [
        ("start", "开始 / 我的角色"),
        ("inspect", "记录监督检查（附件1）"),
        ("hazard", "登记安全隐患（附件2）"),
        ("plan", "报备年度监督检查计划（附件3）"),
        ("status", "治理进展（领导）"),
        ("rank", "排名通报"),
        ("rank_subscribe", "订阅每周排名通报"),
        ("export", "导出台账 Excel"),
        ("map", "重大和逾期隐患地图"),
        ("cancel", "放弃正在填写的表单"),
        ("bind", "用邀请码绑定单位"),
        ("phone", "用手机号码绑定（工作联系表）"),
        ("report_info", "报送工作信息、总结或计划"),
        ("report", "举报安全隐患（无需绑定）"),
        ("track", "查询举报进展：/track 编号"),
        ("my_reports", "我的举报"),
        ("tipoffs", "待核实的群众举报"),
        ("submissions", "各单位报送材料及未报送单位（区安委会办公室）"),
        ("help", "帮助"),
    ],
    "en": [
        ("start", "Start / my roles"),
        ("inspect", "Record an inspection (Annex 1)"),
        ("hazard", "Record a hazard (Annex 2)"),
        ("plan", "File the annual inspection plan (Annex 3)"),
        ("status", "Where the campaign stands (leaders)"),
        ("rank", "League table of units"),
        ("rank_subscribe", "Receive the weekly league table"),
        ("export", "Export a ledger as Excel"),
        ("map", "Map of major and overdue hazards"),
        ("cancel", "Discard the open form"),
        ("bind", "Bind to a unit with an invite code"),
        ("phone", "Bind by phone number (contact form)"),
        ("report_info", "Submit work information, a summary or a plan"),
        ("report", "Report a safety hazard (no binding needed)"),
        ("track", "Follow a tip-off: /track NUMBER"),
        ("my_reports", "My tip-offs"),
        ("tipoffs", "Tip-offs waiting for verification"),
        ("submissions", "What units submitted, and who is late (district office)"),
        ("help", "Help"),
    ],
}


async def set_commands(bot: Bot) -> None:
    """The command menu: Chinese by default, English for English-speaking clients (setMyCommands)."""
    await bot.set_my_commands([BotCommand(command=c, description=d) for c, d in COMMANDS["zh"]])
    await bot.set_my_commands([BotCommand(command=c, description=d) for c, d in COMMANDS["en"]], language_code="en")


async def run_polling(
    settings: Settings, *, handle_signals: bool = True, stop: asyncio.Event | None = None
) -> None:
    """Poll ``settings.api_url`` until Ctrl-C / SIGTERM, or until ``stop`` is set (graceful either way)."""
    from bot.shared_state import open_shared_state

    async with open_core(settings) as core, open_shared_state(core) as shared:
        bot = build_bot(settings)
        dp = build_dispatcher(core, shared.storage, shared.guards)
        me = await bot.get_me()
        log.warning("hazardbot @%s polling %s", me.username, settings.api_url)
        await set_commands(bot)
        stopper = asyncio.create_task(_stop_when(stop, dp)) if stop is not None else None
        try:
            # reminders: the rules at the working hour on working days, the outbox sender alongside
            async with running_reminders(bot, core.uow, core.reminders, core.clock.tz, core.clock, core.rules.cal,
                                         engine=core.engine):
                await dp.start_polling(
                    bot, allowed_updates=dp.resolve_used_update_types(), handle_signals=handle_signals
                )
        finally:
            if stopper is not None:
                stopper.cancel()
            await bot.session.close()


async def _stop_when(stop: asyncio.Event, dp: Dispatcher) -> None:
    await stop.wait()
    await dp.stop_polling()
