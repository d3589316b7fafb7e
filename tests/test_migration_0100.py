"""Migration 0100 (notices through the reminder outbox: an HTML parse mode, room for escaped markup) goes down
and up again on SQLite and PostgreSQL, and the outbox takes a notice longer than the old 4000 characters."""

from __future__ import annotations

from sqlmodel import select

from storage.models import User
from storage.models_reminders import ReminderOutbox
from tests.db_inspect import Parts, migration_goes_down_and_up, unit_of_work


async def _a_long_html_notice_is_stored(url: str, _: object) -> None:
    async with unit_of_work(url) as uow:
        markup = "&lt;" * 1500  # 1500 characters as Telegram counts them, 6000 stored
        async with uow() as u:
            user = User(channel="telegram", address=str(77), full_name="收件人")
            u.session.add(user)
            await u.session.flush()
            u.session.add(ReminderOutbox(rule="notice.hazard_step", subject="hazard_event:1", period="",
                                         recipient_id=user.id, channel="telegram", address="77", text=markup, parse_mode="HTML"))  # type: ignore[arg-type]
            await u.commit()
        async with uow() as u:
            [row] = (await u.session.exec(select(ReminderOutbox))).all()
            assert (row.text, row.parse_mode) == (markup, "HTML")


async def test_the_outbox_loses_and_regains_its_parse_mode(database_url: str) -> None:
    # the revision below 0100 (not relative to the head: 0120 is above it)
    await migration_goes_down_and_up(
        database_url, "0100-1", added=Parts.of(columns={"reminder_outbox": {"parse_mode"}}),
        kept=Parts.of(columns={"reminder_outbox": {"text"}}), check=_a_long_html_notice_is_stored)
