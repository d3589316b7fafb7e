"""A plausible demo district for trying the bot (``hazardbot demo``): people, plans, inspections and a few hundred
hazards in every state, made through the services over simulated past months (``seed``, ``timeline``)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.core import open_core
from bot.demo.people import Cast, make_cast
from bot.demo.seed import DemoDistrict, Tally
from bot.demo.timeline import Timeline, replayed_time
from bot.settings import Settings
from reminders.settings import ReminderSettings

MONTHS_BACK = 210  # days of history before today (about seven months)


@dataclass(frozen=True)
class DemoResult:
    """What the demo made: who is who, the counts of what was recorded, the first day of the history and the
    notices settled as sent."""

    cast: Cast
    tally: Tally
    start: date
    settled_notices: int


def history_start(campaign_start: date, today: date) -> date:
    """The first day of the demo's history: seven months back, not before the campaign's start."""
    return max(campaign_start, today - timedelta(days=MONTHS_BACK))


async def build_demo(settings: Settings, reminders: ReminderSettings, now: datetime, *, seed: int, hazards: int,
                     townships: int | None = None, say: Callable[[str], None] = print) -> DemoResult:
    """Fill the (new, empty) database of ``settings`` with the demo district, ``now`` being the real instant (aware;
    nothing is dated after it) and ``reminders`` the campaign the data lies in. ``townships``: how many
    townships besides 建外街道 have staff (default: one for every dozen hazards, 3 to 24). ``say``:
    progress lines, in Chinese."""
    rng = random.Random(seed)
    today = now.astimezone(settings.tz).date()
    start = history_start(reminders.campaign_start, today)
    timeline = Timeline(datetime.combine(start, time(8), settings.tz), settings.tz)
    with replayed_time(timeline):
        async with open_core(settings, clock=timeline.clock(), reminders=reminders) as core:
            cast = await make_cast(core, rng, townships if townships is not None else min(24, max(3, hazards // 12)))
            say(f"人员：{len(cast.everyone)} 人，{len(cast.units)} 个填报单位")
            district = DemoDistrict(core, cast, rng, timeline, start, now)
            district.plan(hazards)
            total = len(timeline)
            marks = {total * k // 10 for k in range(1, 11)}

            def progress(done: int) -> None:
                if done in marks:
                    say(f"  {done * 100 // total}%  {timeline.now.astimezone(settings.tz):%Y-%m-%d}  "
                        f"隐患 {district.tally.hazards} 条，检查 {district.tally.inspections} 次")

            await timeline.run(now, progress)
            settled = await district.settle_notices(timeline.now)
    return DemoResult(cast, district.tally, start, settled)
