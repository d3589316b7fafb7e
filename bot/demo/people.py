"""The demo district's people: each made the way a real one is — an invite code issued from the terminal, the person
writing to the bot once, the code redeemed (``_person``, the one place a demo user is created)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from bot.channels import telegram_address
from bot.core import Core
from bot.demo import texts
from bot.domain import DISTRICT_OFFICE_CODE, Role
from bot.services.actors import Actor, reload_actor
from storage.registry import departments, townships, zones

#: the Telegram-style ids of the people the printed table names; ``hazardbot chat`` acts as 10001 by default,
#: so the office is who a bare ``hazardbot chat --data-dir DIR`` is
OFFICE_ID, LEADER_ID = 10001, 10002
SHOWCASE = "110105001"  # 建外街道: the township whose reviewer, inspectors, leader and contact are printed
SHOWCASE_IDS = {Role.REVIEWER: 10003, Role.INSPECTOR: 10004, Role.LEADER: 10006, Role.CONTACT: 10007}
SECOND_INSPECTOR_ID = 10005
OTHERS_FROM = 20001
PUBLIC_FROM = 30001
#: departments that record hazards in the demo, each of its own industry (``texts.kind``): fire, construction, gas,
#: chemicals and factories, housing and basements, schools; every functional-zone committee records too
DEMO_DEPARTMENTS = ("朝阳消防支队", "区住房城乡建设委", "市燃气集团朝阳供应企业", "区应急局", "区房管局", "区教委")


@dataclass(frozen=True)
class Person:
    """One demo user: ``user_id_in_chat`` (what ``hazardbot chat --user-id`` takes), name, role, unit name."""

    user_id_in_chat: int
    name: str
    role: Role
    unit: str
    actor: Actor


@dataclass
class UnitStaff:
    """The people of one recording unit: inspectors (two: the re-inspection must be someone else than whoever
    reported the rectification) and a reviewer. ``area``: the township codes its hazards lie in (a township: its
    own; a zone committee: its zone's, ``texts.ZONE_TOWNSHIPS``; a department: none, it works district-wide)."""

    code: str
    name: str
    is_township: bool
    area: tuple[str, ...] = ()
    inspectors: list[Person] = field(default_factory=list)
    reviewer: Person | None = None


@dataclass
class Cast:
    """Everyone of the demo: the office, a district leader, each unit's staff, the people the closing table
    shows, everyone bound, and members of the public."""

    office: Person
    leader: Person
    units: list[UnitStaff]
    shown: list[Person]  # the people the closing table lists, in its order
    everyone: list[Person]
    public: list[Person]  # members of the public who report tip-offs


async def _person(core: Core, user_id: int, name: str, role: Role, unit: str | None) -> Person:
    """A user ``user_id`` (Telegram id) named ``name`` holding ``role`` at ``unit`` (code or exact name): an invite
    issued as ``hazardbot invite`` does, the user's first message (``touch``), the code redeemed as ``/bind`` does.
    ``Role.PUBLIC`` (``unit`` None): a member of the public, who only wrote to the bot."""
    actor = await core.services.users.touch(telegram_address(user_id), name, "zh-hans")
    if role == Role.PUBLIC or unit is None:
        return Person(user_id, name, Role.PUBLIC, "", actor)
    issued = await core.services.invites.issue(role, unit, issuer=None)
    await core.services.invites.redeem(actor, issued.code)
    return Person(user_id, name, role, issued.unit_name, await reload_actor(core.uow, actor))


async def make_cast(core: Core, rng: random.Random, township_count: int) -> Cast:
    """The office and a district leader (both at 区安委会办公室), 建外街道's reviewer, two inspectors, leader and
    contact, and a reviewer and two inspectors in ``township_count`` other townships, in ``DEMO_DEPARTMENTS`` and in
    every functional-zone committee."""
    used: set[str] = set()

    def name() -> str:
        while (n := texts.person_name(rng)) in used:
            pass
        used.add(n)
        return n

    office = await _person(core, OFFICE_ID, name(), Role.OFFICE, DISTRICT_OFFICE_CODE)
    leader = await _person(core, LEADER_ID, name(), Role.LEADER, DISTRICT_OFFICE_CODE)
    showcase = UnitStaff(SHOWCASE, "", True, (SHOWCASE,))
    showcase.reviewer = await _person(core, SHOWCASE_IDS[Role.REVIEWER], name(), Role.REVIEWER, SHOWCASE)
    showcase.inspectors.append(await _person(core, SHOWCASE_IDS[Role.INSPECTOR], name(), Role.INSPECTOR, SHOWCASE))
    showcase.inspectors.append(await _person(core, SECOND_INSPECTOR_ID, name(), Role.INSPECTOR, SHOWCASE))
    showcase.name = showcase.reviewer.unit
    unit_leader = await _person(core, SHOWCASE_IDS[Role.LEADER], name(), Role.LEADER, SHOWCASE)
    contact = await _person(core, SHOWCASE_IDS[Role.CONTACT], name(), Role.CONTACT, SHOWCASE)
    shown = [office, leader, showcase.reviewer, *showcase.inspectors, unit_leader, contact]
    others = [t for t in townships() if t.code != SHOWCASE]
    chosen = sorted(rng.sample(others, min(township_count, len(others))), key=lambda t: t.code)
    chosen_units: list[tuple[str, str, bool, tuple[str, ...]]] = [(t.code, t.name, True, (t.code,)) for t in chosen]
    chosen_units += [(d.code, d.name, False, ()) for d in departments() if d.name in DEMO_DEPARTMENTS]
    chosen_units += [(z.code, z.name, False, texts.ZONE_TOWNSHIPS[z.code]) for z in zones()]
    units = [showcase]
    next_id = OTHERS_FROM
    everyone = list(shown)
    for code, unit_name, is_township, area in chosen_units:
        staff = UnitStaff(code, unit_name, is_township, area)
        staff.reviewer = await _person(core, next_id, name(), Role.REVIEWER, code)
        staff.inspectors.append(await _person(core, next_id + 1, name(), Role.INSPECTOR, code))
        staff.inspectors.append(await _person(core, next_id + 2, name(), Role.INSPECTOR, code))
        everyone += [staff.reviewer, *staff.inspectors]
        next_id += 3
        units.append(staff)
    public = [await _person(core, PUBLIC_FROM + i, name(), Role.PUBLIC, None) for i in range(5)]
    return Cast(office, leader, units, shown, everyone, public)
