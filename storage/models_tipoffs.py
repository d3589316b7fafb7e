"""Tables of tip-offs from the public (群众举报, 方案 四(二) "将群众举报查实的安全隐患一并纳入").

Privacy: ``reporter_user_id`` (and their address), ``reporter_channel`` and ``contact`` identify the reporter and are read
only by the district office's views; nothing else (township views, exports, logs) may show them.
Tip-off photos are stored as EXIF-free re-encoded copies only (see ``bot/services/tipoff_photos.py``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


def _ts() -> datetime:
    return Field(default_factory=utcnow, sa_type=UTCDateTime)  # type: ignore[no-any-return]


class TipOff(SQLModel, table=True):
    """One tip-off. ``number`` is ``JB`` + YYYYMMDD (Asia/Shanghai) + 4-digit sequence.

    ``status`` is a ``bot.services.tipoff_rules.TipOffStatus``; ``reason`` a preset reason code for
    ``not_confirmed``; ``hazard_id`` the hazard it became (or was merged into); ``merged_into_id`` the
    tip-off it was merged into. ``township_code`` is the 9-digit code of the township that verifies it.
    """

    __tablename__ = "tipoff"
    __table_args__ = (Index("ix_tipoff_township_status", "township_code", "status"),)
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=32, unique=True, index=True)
    reporter_user_id: int = Field(foreign_key="app_user.id", index=True)
    reporter_channel: str = Field(max_length=16)  # where it was reported (the user's address)
    reporter_locale: str = Field(default="zh", max_length=8)
    contact: str | None = Field(default=None, max_length=128)
    description: str = Field(max_length=4000)
    township_code: str = Field(max_length=16, index=True)
    township: str = Field(max_length=64)
    address: str = Field(default="", max_length=512)
    latitude: float | None = None
    longitude: float | None = None
    status: str = Field(max_length=16, index=True)
    reason: str | None = Field(default=None, max_length=32)
    hazard_id: int | None = Field(default=None, foreign_key="hazard.id", index=True)
    merged_into_id: int | None = Field(default=None, foreign_key="tipoff.id", index=True)
    verified_by: int | None = Field(default=None, foreign_key="app_user.id")
    draft_id: int | None = Field(default=None, foreign_key="draft.id")
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class TipOffAddition(SQLModel, table=True):
    """Text (and photos, via ``TipOffPhoto.addition_id``) a reporter added to their open tip-off; an empty ``text``
    (never None) records their 仍未整改 instead (``bot.services.tipoff_records.NOT_FIXED_MARK``)."""

    __tablename__ = "tipoff_addition"
    id: int | None = Field(default=None, primary_key=True)
    tipoff_id: int = Field(foreign_key="tipoff.id", index=True)
    text: str | None = Field(default=None, max_length=2000)
    created_at: datetime = _ts()


class TipOffPhoto(SQLModel, table=True):
    """A photo (EXIF-free copy) of a tip-off, sent with it or added later (``addition_id``)."""

    __tablename__ = "tipoff_photo"
    tipoff_id: int = Field(foreign_key="tipoff.id", primary_key=True)
    photo_id: int = Field(foreign_key="photo.id", primary_key=True)
    addition_id: int | None = Field(default=None, foreign_key="tipoff_addition.id")


class TipOffBlock(SQLModel, table=True):
    """A sender the district office has blocked from reporting; removed to unblock."""

    __tablename__ = "tipoff_block"
    user_id: int = Field(foreign_key="app_user.id", primary_key=True)
    blocked_by: int | None = Field(default=None, foreign_key="app_user.id")
    tipoff_id: int | None = Field(default=None, foreign_key="tipoff.id")
    created_at: datetime = _ts()


class TipOffDailyCount(SQLModel, table=True):
    """How many tip-offs a person submitted on one Asia/Shanghai day (the per-person daily limit)."""

    __tablename__ = "tipoff_daily_count"
    user_id: int = Field(foreign_key="app_user.id", primary_key=True)
    day: date = Field(primary_key=True)
    count: int = 0
