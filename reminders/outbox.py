"""The outbox: due reminders, and the notices of committed changes (``bot.services.notices``), stored once
per ``(rule, subject, period, recipient)``.

``INSERT … ON CONFLICT DO NOTHING`` on SQLite and PostgreSQL alike: a rule evaluated twice, after a
restart, or by two instances at the same moment queues each reminder once; the database's unique
index decides, not the application.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models_reminders import ReminderOutbox
from storage.types import utcnow
from storage.upsert import dialect_insert

if TYPE_CHECKING:  # the rules import the ledger's services, which queue their notices here
    from reminders.rules import Reminder

_CHUNK = 500
#: the ``rule`` of a notice of a committed change starts so (``bot.services.notices``); notices are not held
#: back in the quiet hours: they answer what someone did just now
NOTICE_RULE_PREFIX = "notice."


def outbox_rows(reminders: Iterable[Reminder], blocked_user_ids: frozenset[int] = frozenset(),
                now: datetime | None = None) -> list[dict[str, Any]]:
    """One row per bound, not-blocked recipient of each reminder, in the recipient's language;
    duplicates of the key dropped."""
    now = now or utcnow()
    rows: dict[tuple[str, str, str, int], dict[str, Any]] = {}
    for r in reminders:
        callback = r.action.pack()
        for person in r.recipients:
            if person.address is None or person.user_id is None or person.user_id in blocked_user_ids:
                continue
            key = (r.rule, r.subject, r.period, person.user_id)
            rows.setdefault(key, {  # type: ignore[arg-type]
                "rule": r.rule, "subject": r.subject, "period": r.period,
                "recipient_id": person.user_id, "channel": person.address.channel, "address": person.address.address,
                "text": r.text.render(person.locale), "button_text": r.button.render(person.locale),
                "callback_data": callback, "status": "pending",
                "attempts": 0, "not_before": now, "created_at": now,
            })
    return list(rows.values())


async def enqueue(session: AsyncSession, reminders: Iterable[Reminder],
                  blocked_user_ids: frozenset[int] = frozenset(), now: datetime | None = None) -> int:
    """Queue the reminders; returns how many rows were new. Runs in the caller's transaction."""
    return await insert_rows(session, outbox_rows(reminders, blocked_user_ids, now))


async def insert_rows(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Insert outbox ``rows`` (column values) in the caller's transaction, each unless its key is there
    already; returns how many were new."""
    if not rows:
        return 0
    insert = dialect_insert(session)
    table = ReminderOutbox.__table__  # type: ignore[attr-defined]
    inserted = 0
    for start in range(0, len(rows), _CHUNK):
        stmt = (
            insert(table)
            .values(rows[start:start + _CHUNK])
            .on_conflict_do_nothing(index_elements=["rule", "subject", "period", "recipient_id"])
            .returning(table.c.id)
        )
        inserted += len((await session.exec(stmt)).all())  # type: ignore[call-overload]
    return inserted
