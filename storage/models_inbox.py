"""The files of what units submit (方案 五(二), 四(一)(四)): one row per photo or document of a
``WorkSubmission``, its bytes in the project's own content-addressed store (``storage.photo_store``, under
``<photo dir>/submission-files``), keyed by the sha256 of its content — no messenger's id is needed to read it back.

A file sent before the store existed (migration 0160) is kept with ``store_key`` ``None`` and its old
Telegram file id in ``legacy_ref``: it cannot be fetched offline, and the inbox says so.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


class SubmissionFile(SQLModel, table=True):
    """One file of a submission. ``role`` ``photo`` | ``document``; ``name`` the file name to send it back under
    (sanitised, never a path); ``mime`` the type its bytes were recognised as; ``size`` bytes (≤ 20 MB);
    ``sha256``/``store_key`` ``None`` while not yet stored (``legacy_ref`` set)."""

    __tablename__ = "submission_file"
    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="work_submission.id", index=True)
    position: int = 0
    role: str = Field(max_length=16)
    name: str = Field(default="", max_length=256)
    mime: str = Field(default="", max_length=128)
    size: int | None = None
    sha256: str | None = Field(default=None, max_length=64)
    store_key: str | None = Field(default=None, max_length=67)
    legacy_ref: str | None = Field(default=None, max_length=256)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
