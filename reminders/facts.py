"""The facts the rules look at, loaded from the database with a handful of aggregate queries.

Dates are Asia/Shanghai calendar dates. Recipients are people: bound (``user_id`` and ``address``, where
they are reached, set) or not yet bound (only a name from the contacts registry).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channels import ChannelAddress
from bot.domain import HazardState, Role
from bot.i18n import DEFAULT_LOCALE, locale_for
from bot.services.summary import RankingLine
from storage.models import Hazard, HazardEvent, Inspection, Membership, Unit, User, record_name_sql
from storage.models_plans import InspectionPlan
from storage.models_ranking import RankSubscription
from storage.models_reminders import BlockedRecipient, Contact, WorkSubmission

LEADER = "leader"
CONTACT = "contact"
MAJOR = "重大隐患"


@dataclass(frozen=True)
class Person:
    """Someone a reminder is for; ``user_id is None`` means not bound to the bot yet."""

    name: str
    user_id: int | None = None
    address: ChannelAddress | None = None
    locale: str = DEFAULT_LOCALE  # the language reminders are written in (their messenger client's)

    @property
    def bound(self) -> bool:
        """True when the person has started the bot (a user id and an address to send to)."""
        return self.user_id is not None and self.address is not None


@dataclass(frozen=True)
class UnitFacts:
    """A unit, the day its ledger last changed (any inspection, hazard or hazard event), its contacts
    (联系人员) and leaders (主管领导)."""

    unit_id: int
    name: str
    last_ledger_update: date
    contacts: tuple[Person, ...] = ()
    leaders: tuple[Person, ...] = ()


@dataclass(frozen=True)
class HazardFacts:
    """A registered (挂账, not yet rectified) hazard with a rectification deadline."""

    hazard_id: int
    unit_id: int
    ledger_number: str
    site_name: str
    deadline: date
    major: bool
    inspector: Person | None = None
    state: str = HazardState.REGISTERED.value


@dataclass(frozen=True)
class Facts:
    """What the reminder rules read, loaded once per run: the units, the open hazards with deadlines, what was
    submitted as ``(unit_id, kind, period)``, the office, who blocked the bot, the ranking's subscribers
    and the ranking."""

    units: tuple[UnitFacts, ...]
    hazards: tuple[HazardFacts, ...] = ()
    submissions: frozenset[tuple[int, str, str]] = frozenset()
    office: tuple[Person, ...] = ()
    blocked_user_ids: frozenset[int] = frozenset()
    rank_subscribers: tuple[Person, ...] = ()
    ranking: tuple[RankingLine, ...] = ()  # filled by ``reminders.service`` only when someone subscribed
    units_by_id: dict[int, UnitFacts] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "units_by_id", {u.unit_id: u for u in self.units})

    def submitted(self, unit_id: int, kind: str, period: str) -> bool:
        """True when unit ``unit_id`` submitted ``kind`` for ``period`` (``YYYY-MM``, ``YYYY-Qn`` or
        ``YYYY``)."""
        return (unit_id, kind, period) in self.submissions


def _local_date(value: datetime | None, tz: ZoneInfo) -> date | None:
    return value.astimezone(tz).date() if value is not None else None


async def load_facts(session: AsyncSession, tz: ZoneInfo, campaign_start: date) -> Facts:
    """Everything the rules need, in about eight queries whatever the size of the ledger.

    A unit whose ledger is empty counts as last updated on ``campaign_start``.
    """
    last: dict[int, date] = {}

    def bump(unit_id: int, when: datetime | None) -> None:
        day = _local_date(when, tz)
        if day is not None and (unit_id not in last or day > last[unit_id]):
            last[unit_id] = day

    for unit_id, when in (await session.exec(
        select(Hazard.unit_id, func.max(Hazard.updated_at)).group_by(Hazard.unit_id)
    )).all():
        bump(unit_id, when)
    for unit_id, when in (await session.exec(
        select(Inspection.unit_id, func.max(Inspection.created_at)).group_by(Inspection.unit_id)
    )).all():
        bump(unit_id, when)
    for unit_id, when in (await session.exec(
        select(Hazard.unit_id, func.max(HazardEvent.at))
        .join(Hazard, Hazard.id == HazardEvent.hazard_id)  # type: ignore[arg-type]
        .group_by(Hazard.unit_id)
    )).all():
        bump(unit_id, when)

    users = {
        uid: (ChannelAddress(channel, address), name, locale_for(language))
        for uid, channel, address, name, language in (await session.exec(
            select(User.id, User.channel, User.address, record_name_sql(), User.language)
        )).all()
    }

    def person(user_id: int | None, fallback_name: str = "") -> Person:
        if user_id is not None and user_id in users:
            address, name, locale = users[user_id]
            return Person(fallback_name or name, user_id, address, locale)
        return Person(fallback_name)

    people: dict[tuple[int, str], dict[str, Person]] = defaultdict(dict)
    for c in (await session.exec(select(Contact).order_by(Contact.id))).all():  # type: ignore[arg-type]
        key = f"u{c.user_id}" if c.user_id is not None else f"c{c.id}"
        people[(c.unit_id, c.role)][key] = person(c.user_id, c.name)
    office: dict[int, Person] = {}
    for unit_id, user_id, role in (await session.exec(
        select(Membership.unit_id, Membership.user_id, Membership.role)
    )).all():
        if role == Role.OFFICE:
            office[user_id] = person(user_id)
        elif role in (Role.CONTACT, Role.LEADER):
            people[(unit_id, str(role))].setdefault(f"u{user_id}", person(user_id))

    units = tuple(
        UnitFacts(
            unit_id=uid,
            name=name,
            last_ledger_update=last.get(uid, campaign_start),
            contacts=tuple(people[(uid, CONTACT)].values()),
            leaders=tuple(people[(uid, LEADER)].values()),
        )
        for uid, name in (await session.exec(select(Unit.id, Unit.name).order_by(Unit.id))).all()  # type: ignore[arg-type]
    )

    hazards = tuple(
        HazardFacts(
            hazard_id=hid,
            unit_id=unit_id,
            ledger_number=number or "",
            site_name=site,
            deadline=deadline,
            major=level == MAJOR,
            inspector=person(created_by),
        )
        for hid, unit_id, number, site, deadline, level, created_by in (await session.exec(
            select(
                Hazard.id, Hazard.unit_id, Hazard.ledger_number, Hazard.site_name, Hazard.deadline,
                Hazard.level, Hazard.created_by,
            )
            .where(Hazard.state == HazardState.REGISTERED.value, Hazard.deadline.is_not(None))  # type: ignore[union-attr]
            .order_by(Hazard.id)  # type: ignore[arg-type]
        )).all()
    )

    submissions = frozenset(
        (u, k, p)
        for u, k, p in (await session.exec(
            select(WorkSubmission.unit_id, WorkSubmission.kind, WorkSubmission.period).distinct()
        )).all()
    )
    plans = frozenset(
        (u, "plan", str(y)) for u, y in (await session.exec(select(InspectionPlan.unit_id, InspectionPlan.year))).all()
    )
    blocked = frozenset((await session.exec(select(BlockedRecipient.user_id))).all())
    subscribers = tuple(
        person(uid) for uid in (await session.exec(
            select(RankSubscription.user_id).order_by(RankSubscription.user_id)  # type: ignore[arg-type]
        )).all()
    )
    return Facts(units, hazards, submissions | plans, tuple(office.values()), blocked, subscribers)
