"""Tables of the scale-out and crash-safety work: the update ids already taken by some instance
(exactly-once updates) and the conversation state of multi-step inputs (FSM) without Redis."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class ProcessedUpdate(SQLModel, table=True):
    """One Telegram update claimed by an instance before its handlers ran.

    The key is ``(bot_id, update_id)``: update ids are per bot. Rows older than a day are purged
    (Telegram keeps an unconfirmed update for at most 24 hours, so an older id cannot come back).
    """

    __tablename__ = "processed_update"
    bot_id: int = Field(sa_type=BigInteger, primary_key=True)
    update_id: int = Field(sa_type=BigInteger, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class ConversationState(SQLModel, table=True):
    """aiogram's FSM state and data of one chat, kept in the database when Redis is not configured
    (``storage.fsm_storage.SqlStorage``), so a restarted process resumes a half-answered
    multi-step input (a rectification's six answers, a re-inspection's reason and deadline).

    ``key`` is aiogram's storage key rendered as ``fsm:<bot>:<chat>:<user>:<destiny>``; ``data`` holds
    JSON values only (dates as ISO strings, amounts as decimal strings). A cleared state has no row.
    """

    __tablename__ = "conversation_state"
    key: str = Field(primary_key=True, max_length=255)
    state: str | None = Field(default=None, max_length=255)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
