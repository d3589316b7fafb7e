"""The outbox's bookkeeping for senders, framework-free: claim rows, record each outcome.

Claiming picks ids with ``SELECT … LIMIT n FOR UPDATE SKIP LOCKED`` and marks them in the same
transaction: on PostgreSQL concurrent senders skip each other's locked rows, so no row is handed out
twice; SQLite serialises writers (and the ``UPDATE`` re-checks the status), so it is safe there too. A row left ``sending`` by a sender that died
is claimable again once its lease (``claimed_at`` + lease) has run out; a sender renews its claims shortly
before it sends them (``renew``, one statement for the rows about to go), and does not send a row whose
claim it lost. Outcomes are written in batches (``settle``): one transaction for all the rows answered in
the last fraction of a second, not one per message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channels import ChannelAddress
from reminders.facts import LEADER, Person, UnitFacts
from reminders.outbox import NOTICE_RULE_PREFIX, enqueue
from reminders.rules import recipient_blocked
from storage.models import Membership, Unit, User, record_name_sql
from storage.models_reminders import BlockedRecipient, Contact, ReminderOutbox
from storage.upsert import dialect_insert

T = ReminderOutbox.__table__  # type: ignore[attr-defined]
BLOCKED_NOTE = "recipient blocked the bot"


@dataclass(frozen=True)
class ClaimedRow:
    """A claimed outbox row: ``to`` is the recipient's address on the channel that sends it."""

    id: int
    recipient_id: int
    to: ChannelAddress
    text: str
    button_text: str | None
    callback_data: str | None
    attempts: int
    parse_mode: str | None = None


async def mark_blocked_recipients(session: AsyncSession) -> int:
    """Pending rows to people who blocked the bot are closed as ``blocked`` without a send."""
    blocked = select(BlockedRecipient.user_id)
    result = await session.exec(  # type: ignore[call-overload]
        update(T).where(T.c.status == "pending", T.c.recipient_id.in_(blocked))
        .values(status="blocked", last_error=BLOCKED_NOTE)
    )
    return int(result.rowcount or 0)


async def claim(session: AsyncSession, token: str, limit: int, now: datetime, lease: timedelta,
                notices_only: bool = False) -> list[ClaimedRow]:
    """Claim up to ``limit`` rows due by ``now`` (oldest first) for the sender ``token``; with ``notices_only``
    (the quiet hours) only notices.

    Two statements in the caller's transaction: pick ids (``FOR UPDATE SKIP LOCKED`` on PostgreSQL),
    then mark them. Not one ``UPDATE … WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)``:
    PostgreSQL may run such a sub-select more than once and hand out more than ``n`` rows.
    """
    due = or_(
        and_(T.c.status == "pending", T.c.not_before <= now),
        and_(T.c.status == "sending", T.c.claimed_at < now - lease),
    )
    if notices_only:
        due = and_(due, T.c.rule.startswith(NOTICE_RULE_PREFIX, autoescape=True))
    pick = select(T.c.id).where(due).order_by(T.c.id).limit(limit)
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    ids = list((await session.exec(pick)).scalars().all())  # type: ignore[call-overload]
    if not ids:
        return []
    stmt = (
        update(T).where(T.c.id.in_(ids), due)
        .values(status="sending", claim_token=token, claimed_at=now, attempts=T.c.attempts + 1)
        .returning(T.c.id, T.c.recipient_id, T.c.channel, T.c.address, T.c.text, T.c.button_text,
                   T.c.callback_data, T.c.attempts, T.c.parse_mode)
    )
    rows = (await session.exec(stmt)).all()  # type: ignore[call-overload]
    return sorted((ClaimedRow(r[0], r[1], ChannelAddress(r[2], r[3]), *r[4:]) for r in rows), key=lambda r: r.id)


def _mine(row_id: int, token: str):  # type: ignore[no-untyped-def]
    return and_(T.c.id == row_id, T.c.claim_token == token, T.c.status == "sending")


async def renew(session: AsyncSession, row_ids: list[int], token: str, now: datetime) -> set[int]:
    """Renew the sender ``token``'s claims on ``row_ids`` shortly before sending them; the ids still its own.
    A row missing from the answer was lost: its lease ran out and another sender claimed it (and sends
    it), so this one must not."""
    if not row_ids:
        return set()
    result = await session.exec(  # type: ignore[call-overload]
        update(T).where(T.c.id.in_(row_ids), T.c.claim_token == token, T.c.status == "sending")
        .values(claimed_at=now).returning(T.c.id))
    return set(result.scalars().all())


@dataclass(frozen=True)
class Outcome:
    """What became of one claimed row, waiting to be written by ``settle``.

    ``kind``: ``sent`` (``at``, ``message_id``), ``retry`` (back to ``pending`` not before ``at``), ``failed``,
    or ``note`` (a 429 on a row that stays claimed; only ``error``)."""

    kind: str
    row_id: int
    at: datetime | None = None
    message_id: int | None = None
    error: str = ""


async def settle(session: AsyncSession, token: str, outcomes: list[Outcome]) -> None:
    """Write ``outcomes`` of the sender ``token`` in the caller's transaction: the sent rows in one
    ``executemany``, the rare others one statement each. A row whose claim the sender lost is left alone."""
    sent = [{"b_id": o.row_id, "b_at": o.at, "b_mid": o.message_id} for o in outcomes if o.kind == "sent"]
    if sent:
        stmt = update(T).where(T.c.id == bindparam("b_id"), T.c.claim_token == token, T.c.status == "sending").values(
            status="sent", sent_at=bindparam("b_at"), message_id=bindparam("b_mid"), claim_token=None)
        await (await session.connection()).execute(stmt, sent)
    for o in outcomes:
        if o.kind == "retry":
            await record_retry(session, o.row_id, token, o.at, o.error)  # type: ignore[arg-type]
        elif o.kind == "failed":
            await record_failed(session, o.row_id, token, o.error)
        elif o.kind == "note":
            await record_note(session, o.row_id, token, o.error)


async def record_retry(session: AsyncSession, row_id: int, token: str, not_before: datetime, error: str) -> None:
    """Back to ``pending`` after a transient failure, not before ``not_before``."""
    await session.exec(update(T).where(_mine(row_id, token)).values(  # type: ignore[call-overload]
        status="pending", not_before=not_before, last_error=error[:500], claim_token=None))


async def record_note(session: AsyncSession, row_id: int, token: str, error: str) -> None:
    """Note a 429 on a row that stays claimed and will be sent again by the same sender."""
    await session.exec(update(T).where(_mine(row_id, token)).values(last_error=error[:500]))  # type: ignore[call-overload]


async def record_failed(session: AsyncSession, row_id: int, token: str, error: str) -> None:
    """Mark the outbox row ``row_id`` failed with ``error`` (cut to 500 characters) if this sender still holds
    its claim ``token``."""
    await session.exec(update(T).where(_mine(row_id, token)).values(  # type: ignore[call-overload]
        status="failed", last_error=error[:500], claim_token=None))


async def release(session: AsyncSession, row_ids: list[int], token: str) -> None:
    """Give claimed but unsent rows back (a sender stopping); they keep their place in the queue."""
    if row_ids:
        await session.exec(  # type: ignore[call-overload]
            update(T).where(T.c.id.in_(row_ids), T.c.claim_token == token, T.c.status == "sending")
            .values(status="pending", claim_token=None, attempts=T.c.attempts - 1)
        )


async def record_blocked(session: AsyncSession, row_id: int, recipient_id: int, token: str,
                         now: datetime, error: str) -> bool:
    """The recipient blocked the bot (403): close this row and their other open rows as ``blocked``,
    remember them, and the first time tell the leaders of their units (once, by the outbox key).
    Returns true when the recipient was newly marked."""
    insert = dialect_insert(session)
    table = BlockedRecipient.__table__  # type: ignore[attr-defined]
    new = (await session.exec(  # type: ignore[call-overload]
        insert(table).values(user_id=recipient_id, blocked_at=now, error=error[:500])
        .on_conflict_do_nothing(index_elements=["user_id"]).returning(table.c.user_id)
    )).first() is not None
    await session.exec(update(T).where(  # type: ignore[call-overload]
        T.c.recipient_id == recipient_id,
        or_(T.c.id == row_id, T.c.status == "pending", and_(T.c.status == "sending", T.c.claim_token == token)),
        T.c.status.in_(("pending", "sending")),
    ).values(status="blocked", last_error=error[:500], claim_token=None))
    if new:
        await enqueue(session, await _blocked_notices(session, recipient_id), await _blocked_ids(session), now)
    return new


async def _blocked_ids(session: AsyncSession) -> frozenset[int]:
    return frozenset((await session.exec(select(BlockedRecipient.user_id))).scalars().all())  # type: ignore[call-overload]


async def _blocked_notices(session: AsyncSession, user_id: int):  # type: ignore[no-untyped-def]
    """One ``recipient_blocked`` reminder per unit the person belongs to, for that unit's leaders."""
    own = (await session.exec(select(Contact.unit_id, Contact.name).where(Contact.user_id == user_id))).all()  # type: ignore[call-overload]
    via_role = (await session.exec(select(Membership.unit_id).where(Membership.user_id == user_id))).scalars().all()  # type: ignore[call-overload]
    user_name = (await session.exec(select(record_name_sql()).where(User.id == user_id))).scalar_one_or_none()  # type: ignore[call-overload]
    names = {unit_id: name for unit_id, name in own}
    unit_ids = sorted(set(names) | set(via_role))
    notices = []
    for unit_id in unit_ids:
        unit_name = (await session.exec(select(Unit.name).where(Unit.id == unit_id))).scalar_one()  # type: ignore[call-overload]
        leaders: dict[int, Person] = {}
        rows = (await session.exec(  # type: ignore[call-overload]
            select(User.id, User.channel, User.address, Contact.name).join(Contact, Contact.user_id == User.id)
            .where(Contact.unit_id == unit_id, Contact.role == LEADER)
        )).all()
        rows += (await session.exec(  # type: ignore[call-overload]
            select(User.id, User.channel, User.address, record_name_sql()).join(Membership, Membership.user_id == User.id)
            .where(Membership.unit_id == unit_id, Membership.role == LEADER)
        )).all()
        for uid, channel, address, name in rows:
            if uid != user_id:
                leaders.setdefault(uid, Person(name, uid, ChannelAddress(channel, address)))
        unit = UnitFacts(unit_id, unit_name, date.min, leaders=tuple(leaders.values()))
        blocked = Person(names.get(unit_id) or user_name or f"#{user_id}", user_id)
        notices.append(recipient_blocked(blocked, unit))
    return notices


async def next_due(session: AsyncSession, notices_only: bool = False) -> datetime | None:
    """When the earliest pending row (notice, with ``notices_only``) becomes due (``None``: nothing pending)."""
    query = select(func.min(T.c.not_before)).where(T.c.status == "pending")
    if notices_only:
        query = query.where(T.c.rule.startswith(NOTICE_RULE_PREFIX, autoescape=True))
    return (await session.exec(query)).scalar_one_or_none()  # type: ignore[call-overload]


async def outstanding(session: AsyncSession) -> int:
    """Rows not yet settled (pending or being sent)."""
    return int((await session.exec(  # type: ignore[call-overload]
        select(func.count()).select_from(T).where(T.c.status.in_(("pending", "sending")))
    )).scalar_one())
