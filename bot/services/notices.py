"""Notices of committed changes, written to the outbox in the change's own unit of work.

A service that changes something people must hear about (a hazard's step, a tip-off's news) says whom to
tell and in which words (``Notice``: a user of our table, words not yet rendered) and queues them with
``queue_notices`` before it commits. They are rendered in each recipient's language (``users.language``,
as the reminders are: ``reminders.texts.Text``) and stored once per (change, kind, recipient); the
outbox's sender (``reminders.sender``, the Telegram adapter) delivers them at the user's address within
Telegram's limits, also after the process that
made the change failed or died right after its commit. Services never send anything themselves; the handler
answers only the person who acted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import locale_for
from reminders.outbox import NOTICE_RULE_PREFIX, insert_rows
from reminders.texts import Text
from storage.models import User

HTML = "HTML"


@dataclass(frozen=True)
class Notice:
    """Tell user ``user_id`` (our table) ``text``, an HTML message rendered in their language when queued.

    ``kind`` names the notice (the outbox rule ``notice.<kind>``); ``about`` tells two notices of one change
    to one person apart (the numbers of two tip-offs they reported); ``button``: the words and the callback
    data (at most 64 bytes) of one inline button under it.
    """

    user_id: int
    kind: str
    text: Text
    about: str = ""
    button: tuple[Text, str] | None = None


async def queue_notices(session: AsyncSession, event: str, notices: Iterable[Notice], now: datetime) -> int:
    """Queue ``notices`` of the change ``event`` (e.g. ``hazard_event:17``, ``draft:5``; at most 48 characters)
    in the caller's transaction, due at ``now`` (aware; the clock the sender uses). Each is kept once per
    (``event``, kind, ``about``, recipient), so a retried transaction or a repeated call tells nobody twice;
    notices to users not in the table are dropped. Returns how many rows were new."""
    wanted = list(notices)
    if not wanted:
        return 0
    users = {
        uid: (channel, address, language)
        for uid, channel, address, language in (await session.exec(
            select(User.id, User.channel, User.address, User.language)
            .where(col(User.id).in_({n.user_id for n in wanted}))
        )).all()
    }
    rows: dict[tuple[str, str, int], dict[str, Any]] = {}
    for notice in wanted:
        if notice.user_id not in users:
            continue
        channel, address, language = users[notice.user_id]
        locale = locale_for(language)
        words, data = notice.button if notice.button is not None else (None, None)
        rows.setdefault((notice.kind, notice.about[:48], notice.user_id), {
            "rule": f"{NOTICE_RULE_PREFIX}{notice.kind}", "subject": event, "period": notice.about[:48],
            "recipient_id": notice.user_id, "channel": channel, "address": address,  # the channel's adapter sends
            "text": notice.text.render(locale), "parse_mode": HTML,
            "button_text": words.render(locale)[:64] if words is not None else None, "callback_data": data,
            "status": "pending", "attempts": 0, "not_before": now, "created_at": now,
        })
    return await insert_rows(session, list(rows.values()))
