"""Tables of the reminders feature: the contacts registry (附件4), the reminder outbox, recipients who
blocked the bot, and the work information / summaries / plans units submit (方案 五(二)).

Timestamps are aware UTC (``UTCDateTime``); ``period`` strings name Asia/Shanghai calendar periods
(``2019-03``, ``2019-Q1``, ``2019``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


def _ts(**kw: Any) -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, **kw)


class Contact(SQLModel, table=True):
    """One row of a unit's 工作联系表 (附件4): its leader (主管领导) or contact person (联系人员).

    ``role`` is ``leader`` or ``contact``; ``mobile`` is a mainland mobile (11 digits), ``office_phone``
    a Beijing landline ``010-65001234`` or ``None``. ``user_id`` is set once the person binds their
    Telegram account (shared phone number matching ``mobile``, or an invite code).
    """

    __tablename__ = "contact"
    __table_args__ = (UniqueConstraint("unit_id", "role", "mobile"),)
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    role: str = Field(max_length=16)
    name: str = Field(max_length=64)
    title: str = Field(default="", max_length=128)
    office_phone: str | None = Field(default=None, max_length=32)
    mobile: str = Field(max_length=16, index=True)
    user_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    imported_at: datetime = _ts()


class ReminderOutbox(SQLModel, table=True):
    """A message due to one recipient: a reminder, or a notice of a committed change (``rule`` ``notice.<kind>``,
    ``subject`` the change, e.g. ``hazard_event:17``; ``bot.services.notices``). ``(rule, subject, period,
    recipient_id)`` is unique, so a rule evaluated twice, after a restart or on two instances, queues each
    reminder once, and a change tells each person once.

    ``text`` is rendered in the recipient's language; ``parse_mode`` ``HTML`` for notices (what people typed is
    escaped in it; up to 4096 characters after entities parsing, so the stored markup may be longer), none for
    reminders (plain text). ``status``: ``pending`` → ``sending`` (claimed by ``claim_token``) → ``sent`` |
    ``blocked`` | ``failed``; a transient failure puts the row back to ``pending`` with a later ``not_before``.
    """

    __tablename__ = "reminder_outbox"
    __table_args__ = (
        UniqueConstraint("rule", "subject", "period", "recipient_id", name="uq_reminder_outbox_key"),
        Index("ix_reminder_outbox_status_not_before", "status", "not_before"),
    )
    id: int | None = Field(default=None, primary_key=True)
    rule: str = Field(max_length=48)
    subject: str = Field(max_length=48)
    period: str = Field(max_length=48)
    recipient_id: int = Field(foreign_key="app_user.id", index=True)
    channel: str = Field(max_length=16)  # the recipient's ``ChannelAddress`` when queued
    address: str = Field(max_length=64)
    text: str = Field(max_length=16000)
    parse_mode: str | None = Field(default=None, max_length=8)
    button_text: str | None = Field(default=None, max_length=64)
    callback_data: str | None = Field(default=None, max_length=64)
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=500)
    not_before: datetime = _ts()
    claim_token: str | None = Field(default=None, max_length=36)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    message_id: int | None = Field(default=None, sa_type=BigInteger)
    created_at: datetime = _ts()


class BlockedRecipient(SQLModel, table=True):
    """A user who blocked the bot (Bot API 403): nothing more is written to them until they return."""

    __tablename__ = "blocked_recipient"
    user_id: int = Field(foreign_key="app_user.id", primary_key=True)
    blocked_at: datetime = _ts()
    error: str | None = Field(default=None, max_length=500)


class WorkSubmission(SQLModel, table=True):
    """Work information or a typical case (``kind`` ``work_info``, period ``2019-03``), a quarterly
    summary (``summary``, ``2019-Q1``), an annual inspection plan (``plan``, 附件3, ``2019``), a unit's
    implementation plan (``implementation_plan``, 实施方案, ``2019``) or a lookback report (``lookback_report``,
    ``2019``) submitted by a unit (方案 四(一)(四), 五(二)).

    Its files are ``SubmissionFile`` rows (``storage.models_inbox``), their bytes in the project's own file store.
    ``typical_at``/``typical_by``: the office marked it a typical case (典型案例); ``published_at``/``published_by``:
    the office published it to every unit's contacts (信息发布, 方案 五(二)).
    """

    __tablename__ = "work_submission"
    __table_args__ = (Index("ix_work_submission_unit_kind_period", "unit_id", "kind", "period"),)
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id")
    kind: str = Field(max_length=24)
    period: str = Field(max_length=16)
    text: str = Field(default="", max_length=8000)
    submitted_by: int | None = Field(default=None, foreign_key="app_user.id")
    submitted_at: datetime = _ts()
    typical_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    typical_by: int | None = Field(default=None, foreign_key="app_user.id")
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    published_by: int | None = Field(default=None, foreign_key="app_user.id")
