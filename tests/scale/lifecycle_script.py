"""What the life cycle kill -9 tests intend: per hazard a script of steps (挂账, 挂牌督办, rectification,
re-inspection, 销账, rejections), the crew that presses them, and the hazards and people to start from.

Hazard number ``i`` (0-based, in the order ``prepare`` created them) follows ``SCRIPTS[i % 4]``; each
hazard has its own crew (inspector, re-inspector, reviewer, office), so that one person never has two
questions open at once, while the hazards move concurrently.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain import HazardState, Role
from storage.db import UowFactory
from tests.lifecycle_factories import HOME, OFFICE_UNIT, hazard, person

REASON = "整改不到位"
NEW_DEADLINE = "2018-11-30"  # after the drivers' frozen today (2018-10-15)
SUPERVISION_LEVEL = "区安委会"


@dataclass(frozen=True)
class Step:
    """One transition: who does it, the event it appends, the card button that starts it."""

    key: str
    who: str
    action: str
    button: str


STEPS = {s.key: s for s in (
    Step("approve", "reviewer", "approve", "✅ 审核通过"),
    Step("reject_unit", "reviewer", "reject", "❌ 驳回"),
    Step("register", "office", "register", "📒 确认挂账"),
    Step("reject_office", "office", "reject", "❌ 驳回"),
    Step("supervise", "office", "supervise", "📌 挂牌督办"),
    Step("rectify", "inspector", "report_rectification", "🛠 报告整改"),
    Step("reinspect_pass", "reinspector", "reinspect_pass", "✅ 复查合格"),
    Step("reinspect_fail", "reinspector", "reinspect_fail", "❌ 复查不合格"),
    Step("close", "office", "close", "🗂 销账"),
)}

SCRIPTS: tuple[tuple[str, ...], ...] = (
    ("approve", "register", "rectify", "reinspect_pass", "close"),
    ("approve", "register", "supervise", "rectify", "reinspect_fail", "rectify", "reinspect_pass", "close"),
    ("reject_unit",),
    ("approve", "reject_office"),
)
FINAL_STATE = (HazardState.CLOSED, HazardState.CLOSED, HazardState.REJECTED, HazardState.REJECTED)
CREW: dict[str, tuple[Role, str, int]] = {  # role, unit code, offset of the Telegram id
    "inspector": (Role.INSPECTOR, HOME, 1),
    "reinspector": (Role.INSPECTOR, HOME, 2),
    "reviewer": (Role.REVIEWER, HOME, 3),
    "office": (Role.OFFICE, OFFICE_UNIT, 4),
}


def script(index: int) -> tuple[Step, ...]:
    """The steps hazard ``index`` goes through after its submission."""
    return tuple(STEPS[key] for key in SCRIPTS[index % len(SCRIPTS)])


def final_state(index: int) -> HazardState:
    """Where hazard ``index`` ends when its script is done."""
    return FINAL_STATE[index % len(SCRIPTS)]


def telegram_id(index: int, who: str) -> int:
    """The Telegram id of ``who`` in the crew of hazard ``index``."""
    return 80_000 + 10 * index + CREW[who][2]


def person_name(uid: int) -> str:
    """The name of the crew member with Telegram id ``uid`` (as their Telegram profile shows it)."""
    index, offset = divmod(uid - 80_000, 10)
    return next(f"{who}{index}" for who, (_r, _u, o) in CREW.items() if o == offset)


async def prepare(uow: UowFactory, count: int) -> list[int]:
    """Bind every crew and submit ``count`` hazards (one per crew, by its inspector); their ids in order."""
    hazard_ids = []
    for index in range(count):
        people = {}
        for who, (role, unit, _offset) in CREW.items():
            uid = telegram_id(index, who)
            people[who] = await person(uow, person_name(uid), (role, unit), telegram_id=uid)
        hazard_ids.append(await hazard(uow, people["inspector"], site_name=f"出租房{index}"))
    return hazard_ids
