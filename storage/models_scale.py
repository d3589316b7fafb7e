"""Tables of the scale-out mode: the update ids already taken by some instance (exactly-once updates)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger
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
